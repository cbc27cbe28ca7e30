/**
 * firewalld zone files (/usr/lib/firewalld/zones/*.xml shipped, /etc/firewalld/zones/*.xml the
 * administrator's, which replaces the shipped file of the same name): the zone's target, interfaces,
 * sources, services, ports and rich rules (`<rule family=…>` with its source, destination and action), as
 * firewalld's own reader (firewall/core/io/zone.py) takes them: `invert` is true for "yes" or "true" in any
 * case. Read with the strict reader of ./xml.ts; a file that is not a `<zone>` document is an error.
 */
import { parseXml, type XmlElement, XmlError } from './xml';

export interface FirewalldAddress {
  address?: string;
  ipset?: string;
  invert: boolean;
}

export interface FirewalldRichRule {
  family?: string;
  source?: FirewalldAddress;
  destination?: FirewalldAddress;
  /** accept, reject, drop or mark; undefined for a rule that only logs or audits. */
  action?: string;
}

export interface FirewalldZone {
  target?: string;
  interfaces: string[];
  sources: string[];
  services: string[];
  ports: Array<{ port: string; protocol: string }>;
  rules: FirewalldRichRule[];
}

const ACTIONS = new Set(['accept', 'reject', 'drop', 'mark']);

const inverted = (v: string | undefined) => v !== undefined && ['yes', 'true'].includes(v.toLowerCase());

function address(el: XmlElement | undefined): FirewalldAddress | undefined {
  if (!el) return undefined;
  const a = el.attributes;
  return {
    ...(a.address !== undefined ? { address: a.address } : {}),
    ...(a.ipset !== undefined ? { ipset: a.ipset } : {}),
    invert: inverted(a.invert),
  };
}

export function parseFirewalldZone(text: string): FirewalldZone {
  const root = parseXml(text);
  if (root.name !== 'zone') throw new XmlError(`the root element is <${root.name}>, not <zone>`);
  const zone: FirewalldZone = { interfaces: [], sources: [], services: [], ports: [], rules: [] };
  if (root.attributes.target !== undefined) zone.target = root.attributes.target;
  for (const c of root.children) {
    const a = c.attributes;
    if (c.name === 'interface' && a.name) zone.interfaces.push(a.name);
    else if (c.name === 'source') {
      const s = a.address ?? a.mac ?? (a.ipset ? `ipset:${a.ipset}` : undefined);
      if (s) zone.sources.push(s);
    } else if (c.name === 'service' && a.name) zone.services.push(a.name);
    else if (c.name === 'port' && a.port && a.protocol)
      zone.ports.push({ port: a.port, protocol: a.protocol });
    else if (c.name === 'rule') {
      const rule: FirewalldRichRule = {};
      if (a.family !== undefined) rule.family = a.family;
      const src = address(c.children.find((x) => x.name === 'source'));
      const dst = address(c.children.find((x) => x.name === 'destination'));
      if (src) rule.source = src;
      if (dst) rule.destination = dst;
      const action = c.children.find((x) => ACTIONS.has(x.name));
      if (action) rule.action = action.name;
      zone.rules.push(rule);
    }
  }
  return zone;
}
