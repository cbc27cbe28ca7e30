/**
 * firewalld_loopback_traffic_trusted / _restricted on roots holding firewalld 1.3.3's shipped zones and the
 * zone files firewall-offline-cmd 1.3.3 wrote (test/fixtures/config/README.md), collected by the real agent.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Facts } from '../../../../../functions/core/facts/facts';
import { FIREWALLD_EVALUATORS } from '../../../../../functions/rules/cis/evaluators/firewalld';
import { configFixture } from '../../../../helpers/cis-material';
import { cleanupRoots } from '../../../../helpers/fixture-root';
import { asLiveHost, collectRoot, evaluate, factsOf } from './harness';

afterAll(cleanupRoots);

const SHIPPED: Record<string, string> = Object.fromEntries(
  readdirSync(path.join(__dirname, '../../../../fixtures/config/debian-12/firewalld/zones')).map((n) => [
    `/usr/lib/firewalld/zones/${n}`,
    configFixture(`debian-12/firewalld/zones/${n}`),
  ]),
);
const etc = (variant: string) => ({
  '/etc/firewalld/zones/trusted.xml': configFixture(`debian-12/firewalld/${variant}/trusted.xml`),
});

const run = (rule: string, facts: Facts) =>
  evaluate(FIREWALLD_EVALUATORS[`rule:${rule}`]!, facts, rule, 'rhel9');

describe('firewalld_loopback_traffic_trusted', () => {
  it('fail: the shipped trusted zone has no interface', async () => {
    const r = run('firewalld_loopback_traffic_trusted', await factsOf({ files: SHIPPED }));
    expect(r.result).toBe('FAIL');
    expect(r.evidence[0]).toMatchObject({ source: '/usr/lib/firewalld/zones/trusted.xml', value: '(none)' });
    expect(r.recommendation).toMatch(/--zone=trusted --add-interface=lo/);
  });
  it('pass: /etc/firewalld/zones/trusted.xml with lo replaces the shipped file', async () => {
    const r = run(
      'firewalld_loopback_traffic_trusted',
      await factsOf({ files: { ...SHIPPED, ...etc('etc-zones-lo-only') } }),
    );
    expect(r.result).toBe('PASS');
    expect(r.message).toMatch(/\/etc\/firewalld\/zones\/trusted.xml\) holds the lo interface/);
  });
  it('fail: firewalld not installed; ERROR on an unreadable zone file', async () => {
    const none = run(
      'firewalld_loopback_traffic_trusted',
      await factsOf({ files: { '/etc/hostname': 'h' } }),
    );
    expect(none.result).toBe('FAIL');
    expect(none.message).toMatch(/no trusted zone/);
    const bad = run(
      'firewalld_loopback_traffic_trusted',
      await factsOf({
        files: { ...SHIPPED, '/etc/firewalld/zones/trusted.xml': '<zone><interface name="lo">' },
      }),
    );
    expect(bad.result).toBe('ERROR');
    expect(bad.message).toMatch(/could not be read as a firewalld zone: <interface> is not closed/);
  });
  it('ERROR when the agent did not look at /usr/lib/firewalld/zones (older agent)', async () => {
    const t = await collectRoot({ files: SHIPPED });
    const { '/usr/lib/firewalld/zones': _gone, ...paths } = t.paths;
    const r = run('firewalld_loopback_traffic_trusted', asLiveHost({ ...t, paths }));
    expect(r.result).toBe('ERROR');
    expect(r.message).toMatch(/not looked at by the agent/);
  });
});

describe('firewalld_loopback_traffic_restricted', () => {
  it('pass: both rich rules (firewall-offline-cmd)', async () => {
    const r = run(
      'firewalld_loopback_traffic_restricted',
      await factsOf({ files: { ...SHIPPED, ...etc('etc-zones') } }),
    );
    expect(r.result).toBe('PASS');
  });
  it('fail: shipped zone, lo only, or the ipv4 rule only with IPv6 enabled', async () => {
    for (const files of [SHIPPED, { ...SHIPPED, ...etc('etc-zones-lo-only') }]) {
      const r = run('firewalld_loopback_traffic_restricted', await factsOf({ files }));
      expect(r.result).toBe('FAIL');
      expect(r.message).toMatch(/for ipv4 \(127.0.0.1\) and ipv6 \(::1\)/);
    }
    const v4 = run(
      'firewalld_loopback_traffic_restricted',
      await factsOf({ files: { ...SHIPPED, ...etc('etc-zones-ipv4-only') } }),
    );
    expect(v4.result).toBe('FAIL');
    expect(v4.message).toMatch(/for ipv6 \(::1\)$/);
  });
  it('pass: the ipv4 rule only, with IPv6 disabled in sysctl.d (image) or at run time too (live)', async () => {
    const files = {
      ...SHIPPED,
      ...etc('etc-zones-ipv4-only'),
      '/etc/sysctl.d/60-disable-ipv6.conf': 'net.ipv6.conf.all.disable_ipv6 = 1\n',
    };
    const image = run('firewalld_loopback_traffic_restricted', await factsOf({ files }));
    expect(image.result).toBe('PASS');
    expect(image.message).toMatch(/IPv6 is disabled/);
    // A running system where the setting is not applied yet: IPv6 is on.
    const on = await collectRoot({ files, sysctl: { 'net.ipv6.conf.all.disable_ipv6': '0' } });
    expect(run('firewalld_loopback_traffic_restricted', asLiveHost(on)).result).toBe('FAIL');
    const off = await collectRoot({ files, sysctl: { 'net.ipv6.conf.all.disable_ipv6': '1' } });
    expect(run('firewalld_loopback_traffic_restricted', asLiveHost(off)).result).toBe('PASS');
  });
});
