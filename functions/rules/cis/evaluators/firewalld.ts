/**
 * firewalld's loopback rules, judged on the trusted zone firewalld loads: /etc/firewalld/zones/trusted.xml
 * when the administrator wrote one (it replaces the shipped file), else /usr/lib/firewalld/zones/trusted.xml
 * (upstream's OVAL reads the same two files in the same order):
 * - firewalld_loopback_traffic_trusted: the zone holds `<interface name="lo"/>`
 *   (`firewall-cmd --permanent --zone=trusted --add-interface=lo`).
 * - firewalld_loopback_traffic_restricted: the zone holds the rich rules dropping loopback-sourced traffic
 *   not addressed to loopback, `rule family=ipv4 source address=127.0.0.1 destination not
 *   address=127.0.0.1 drop` and the same for ipv6 and ::1; the ipv6 one is not needed when IPv6 is disabled
 *   (net.ipv6.conf.all.disable_ipv6 = 1 in the sysctl files and, on a running system, at run time).
 * No trusted zone in either place (firewalld not installed): FAIL, as for the other firewalls' rules. The
 * loaded (runtime) configuration is not compared: the agent does not run firewall-cmd.
 */
import type { Facts } from '../../../core/facts/facts';
import { directoryTexts, isLiveHost } from '../../../core/facts/host-config';
import { sysctlSetting } from '../../../core/facts/sysctl';
import type { Evidence } from '../../../core/model';
import { type CheckOutcome, error, fail, pass } from '../../../core/rule';
import {
  type FirewalldRichRule,
  type FirewalldZone,
  parseFirewalldZone,
} from '../../../parsers/firewalld-zone';
import type { Evaluator } from './index';

const ZONE_DIRECTORIES = ['/etc/firewalld/zones', '/usr/lib/firewalld/zones'] as const;

/** The trusted zone firewalld loads and the file it came from. */
function trustedZone(
  facts: Facts,
): { ok: true; zone: FirewalldZone; path: string } | { ok: false; outcome: CheckOutcome } {
  for (const dir of ZONE_DIRECTORIES) {
    const files = directoryTexts(facts, dir, '.xml');
    if (!files.ok) return { ok: false, outcome: error(`${dir}: ${files.reason}`) };
    const f = files.value.find((x) => x.path === `${dir}/trusted.xml`);
    if (!f) continue;
    if (f.resolvedPath === '/dev/null')
      return { ok: false, outcome: error(`${f.path} is not a regular file (a link to /dev/null)`) };
    try {
      return { ok: true, zone: parseFirewalldZone(f.text), path: f.path };
    } catch (err) {
      return {
        ok: false,
        outcome: error(`${f.path} could not be read as a firewalld zone: ${(err as Error).message}`),
      };
    }
  }
  return {
    ok: false,
    outcome: {
      ...fail(
        'firewalld has no trusted zone (no trusted.xml in /etc/firewalld/zones or /usr/lib/firewalld/zones)',
        [{ source: '/usr/lib/firewalld/zones/trusted.xml', value: '(absent)' }],
      ),
      recommendation: 'Install and enable firewalld (or use the benchmark section of the firewall in use).',
    },
  };
}

const trusted: Evaluator = (facts) => {
  const z = trustedZone(facts);
  if (!z.ok) return z.outcome;
  const evidence: Evidence[] = [
    {
      source: z.path,
      key: 'interface',
      value: z.zone.interfaces.length ? z.zone.interfaces.join(', ') : '(none)',
      expected: 'lo',
    },
  ];
  if (z.zone.interfaces.includes('lo'))
    return pass(`the trusted zone (${z.path}) holds the lo interface`, evidence);
  return {
    ...fail(
      `the trusted zone (${z.path}) does not hold the lo interface: loopback traffic is not trusted`,
      evidence,
    ),
    recommendation: 'firewall-cmd --permanent --zone=trusted --add-interface=lo && firewall-cmd --reload',
  };
};

const dropsSpoofed = (r: FirewalldRichRule, family: string, addr: string) =>
  r.family === family &&
  r.source?.address === addr &&
  !r.source.invert &&
  r.destination?.address === addr &&
  r.destination.invert &&
  r.action === 'drop';

/** IPv6 off: net.ipv6.conf.all.disable_ipv6 = 1 in the sysctl files and (on a running system) at run time. */
function ipv6Disabled(facts: Facts): { disabled: boolean; evidence: Evidence } {
  const s = sysctlSetting(facts, 'net.ipv6.conf.all.disable_ipv6');
  const persistent = s.persistent.ok ? s.persistent.value?.value : undefined;
  const runtime = s.runtime.ok ? s.runtime.value : undefined;
  const disabled = persistent === '1' && (runtime === '1' || (!isLiveHost(facts) && runtime === undefined));
  return {
    disabled,
    evidence: {
      source: 'net.ipv6.conf.all.disable_ipv6',
      value: `persistent ${persistent ?? '(unset)'}, runtime ${runtime ?? '(not known)'}`,
      note: disabled ? 'IPv6 is disabled: no ipv6 rule is needed' : 'IPv6 is enabled',
    },
  };
}

const restricted: Evaluator = (facts) => {
  const z = trustedZone(facts);
  if (!z.ok) return z.outcome;
  const v4 = z.zone.rules.some((r) => dropsSpoofed(r, 'ipv4', '127.0.0.1'));
  const v6 = z.zone.rules.some((r) => dropsSpoofed(r, 'ipv6', '::1'));
  const off = ipv6Disabled(facts);
  const evidence: Evidence[] = [
    {
      source: z.path,
      key: 'rule family=ipv4',
      value: v4 ? 'present' : '(missing)',
      expected: 'source address="127.0.0.1" destination not address="127.0.0.1" drop',
    },
    {
      source: z.path,
      key: 'rule family=ipv6',
      value: v6 ? 'present' : '(missing)',
      expected: 'source address="::1" destination not address="::1" drop',
    },
    off.evidence,
  ];
  const missing = [...(v4 ? [] : ['ipv4 (127.0.0.1)']), ...(v6 || off.disabled ? [] : ['ipv6 (::1)'])];
  if (missing.length)
    return {
      ...fail(
        `the trusted zone (${z.path}) has no rich rule dropping spoofed loopback traffic for ${missing.join(' and ')}`,
        evidence,
      ),
      recommendation: `firewall-cmd --permanent --zone=trusted --add-rich-rule='rule family=ipv4 source address="127.0.0.1" destination not address="127.0.0.1" drop'; firewall-cmd --permanent --zone=trusted --add-rich-rule='rule family=ipv6 source address="::1" destination not address="::1" drop'; firewall-cmd --reload`,
    };
  return pass(
    `the trusted zone (${z.path}) drops loopback-sourced traffic not addressed to loopback${v6 ? '' : ' (IPv4; IPv6 is disabled)'}`,
    evidence,
  );
};

export const FIREWALLD_EVALUATORS: Readonly<Record<string, Evaluator>> = {
  'rule:firewalld_loopback_traffic_trusted': trusted,
  'rule:firewalld_loopback_traffic_restricted': restricted,
};
