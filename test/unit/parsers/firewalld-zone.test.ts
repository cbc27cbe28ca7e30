/**
 * The strict XML reader (functions/parsers/xml.ts) and firewalld zone files on real files: firewalld 1.3.3's
 * shipped zones (Debian 12 package firewalld) and the files firewall-offline-cmd 1.3.3 wrote
 * (test/fixtures/config/README.md).
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseFirewalldZone } from '../../../functions/parsers/firewalld-zone';
import { parseXml, XML_LIMITS, XmlError } from '../../../functions/parsers/xml';
import { configFixture } from '../../helpers/cis-material';

const ZONES = path.join(__dirname, '../../fixtures/config/debian-12/firewalld/zones');

describe('parseXml', () => {
  it('elements, attributes in either quote, self-closing tags, text, comments, CDATA, entities', () => {
    const root = parseXml(
      `\uFEFF<?xml version="1.0" encoding="utf-8"?>\n<!-- head -->\n<a x="1" y='two &amp; &quot;3&quot;'>\n  <b/>t&lt;&#65;&#x42;<![CDATA[<raw>&amp;]]><!-- c --><c z="&apos;"></c>\n</a>\n`,
    );
    expect(root.name).toBe('a');
    expect(root.attributes).toEqual({ x: '1', y: 'two & "3"' });
    expect(root.children.map((c) => [c.name, c.attributes])).toEqual([
      ['b', {}],
      ['c', { z: "'" }],
    ]);
    expect(root.text.trim()).toBe('t<AB<raw>&amp;');
  });
  it.each([
    ['<!DOCTYPE zone [<!ENTITY e "x">]><zone>&e;</zone>', /DOCTYPE/],
    ['<zone>&e;</zone>', /undefined entity "&e;"/],
    ['<zone>&amp</zone>', /unterminated entity/],
    ['<zone><a></b></zone>', /<\/b> does not match <a> at line 1/],
    ['<zone>\n<a>\n</zone>', /<\/zone> does not match <a> at line 3/],
    ['<zone>', /<zone> is not closed/],
    ['<zone a="1" a="2"/>', /duplicate attribute a/],
    ['<zone a=1/>', /no quoted value/],
    ['<zone a="<"/>', /"<" in the value/],
    ['<zone/><zone/>', /second root element/],
    ['<zone/>trailing', /text outside the root/],
    ['</zone>', /without an open element/],
    ['', /no root element/],
    ['<zone><!-- a -- b --></zone>', /"--" inside a comment/],
    ['<zone a="&#0;"/>', /bad character reference/],
    ['<zone a="1"b="2"/>', /blank before an attribute/],
  ])('refuses %j', (doc, message) => {
    expect(() => parseXml(doc)).toThrow(XmlError);
    expect(() => parseXml(doc)).toThrow(message);
  });
  it('refuses documents past its depth and element limits', () => {
    const deep = `${'<a>'.repeat(XML_LIMITS.maxDepth + 1)}${'</a>'.repeat(XML_LIMITS.maxDepth + 1)}`;
    expect(() => parseXml(deep)).toThrow(/nested deeper than 64/);
    expect(() => parseXml(`<a>${'<b/>'.repeat(XML_LIMITS.maxElements)}</a>`)).toThrow(
      /more than 20000 elements/,
    );
  });
});

describe('parseFirewalldZone (firewalld 1.3.3)', () => {
  it('reads every shipped zone file', () => {
    const names = readdirSync(ZONES).sort();
    expect(names).toEqual([
      'block.xml',
      'dmz.xml',
      'drop.xml',
      'external.xml',
      'home.xml',
      'internal.xml',
      'public.xml',
      'trusted.xml',
      'work.xml',
    ]);
    const zones = Object.fromEntries(
      names.map((n) => [n, parseFirewalldZone(configFixture(`debian-12/firewalld/zones/${n}`))]),
    );
    expect(zones['trusted.xml']).toEqual({
      target: 'ACCEPT',
      interfaces: [],
      sources: [],
      services: [],
      ports: [],
      rules: [],
    });
    expect(zones['public.xml']!.services).toEqual(['ssh', 'dhcpv6-client']);
    expect(zones['drop.xml']!.target).toBe('DROP');
    expect(zones['block.xml']!.target).toBe('%%REJECT%%');
  });
  it('reads the interface and rich rules firewall-offline-cmd wrote', () => {
    const z = parseFirewalldZone(configFixture('debian-12/firewalld/etc-zones/trusted.xml'));
    expect(z.interfaces).toEqual(['lo']);
    expect(z.rules).toEqual([
      {
        family: 'ipv4',
        source: { address: '127.0.0.1', invert: false },
        destination: { address: '127.0.0.1', invert: true },
        action: 'drop',
      },
      {
        family: 'ipv6',
        source: { address: '::1', invert: false },
        destination: { address: '::1', invert: true },
        action: 'drop',
      },
    ]);
    expect(parseFirewalldZone(configFixture('debian-12/firewalld/etc-zones/public.xml')).services).toEqual([
      'ssh',
      'dhcpv6-client',
      'http',
    ]);
  });
  it('invert as firewalld reads it ("yes"/"true" in any case); a logging-only rule has no action', () => {
    const z = parseFirewalldZone(
      '<zone><rule family="ipv4"><source address="10.0.0.0/8" invert="yes"/><destination address="1.2.3.4" invert="false"/><log prefix="x"/></rule></zone>',
    );
    expect(z.rules).toEqual([
      {
        family: 'ipv4',
        source: { address: '10.0.0.0/8', invert: true },
        destination: { address: '1.2.3.4', invert: false },
      },
    ]);
    expect(() => parseFirewalldZone('<service><short>ssh</short></service>')).toThrow(/not <zone>/);
  });
});
