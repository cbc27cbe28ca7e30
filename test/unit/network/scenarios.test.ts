/**
 * The scenario suite: hand-built VPCs as AWS CLI JSON (test/fixtures/network-reachability/<scenario>/), each
 * with its README saying why the answer is what it is and expected.json holding that answer.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { networkConfigFromCliOutputs } from '../../../functions/core/network/cli-outputs';
import { NOT_MODELLED } from '../../../functions/core/network/evaluate';
import { contains } from '../../../functions/core/network/ports';
import { evaluateNetworkReachability } from '../../../functions/rules/network-reachability';

const ROOT = path.resolve(__dirname, '../../fixtures/network-reachability');
const scenarios = readdirSync(ROOT).filter((d) => !d.startsWith('bad-'));

interface Expected {
  reachable: Array<{ instanceId: string; type: string; gateway: string; protocol: string; port: number }>;
  unreachable: Array<{ instanceId: string; protocol: string; port: number }>;
  findings: Array<{
    ruleId: string;
    instanceId: string;
    REACHABILITY_TYPE: string;
    PROTOCOL: string;
    PORT: string;
    severity: string;
  }>;
  exposure: Array<{ instanceId: string; SECURITY_GROUP: string; TCP_PORTS: string }>;
}

function load(dir: string) {
  const files = new Map(
    readdirSync(dir)
      .filter((f) => f.endsWith('.json') && f !== 'expected.json')
      .map((f) => [f, readFileSync(path.join(dir, f), 'utf8')] as const),
  );
  return networkConfigFromCliOutputs(files).config;
}

describe('network reachability scenarios', () => {
  it('covers every scenario the issue lists', () => {
    expect(scenarios.sort()).toEqual(
      [
        'alb-to-target-8080',
        'internal-alb',
        'ipv6-only-exposure',
        'nacl-blocks-ephemeral-return',
        'nacl-deny-before-allow',
        'no-public-address',
        'peered-vpc',
        'prefix-list-source',
        'private-subnet-open-ssh',
        'public-subnet-open-ssh',
        'sg-references-sg',
        'vgw-path',
      ].sort(),
    );
  });

  it.each(scenarios)('%s', (scenario) => {
    const dir = path.join(ROOT, scenario);
    expect(readFileSync(path.join(dir, 'README.md'), 'utf8').length).toBeGreaterThan(100);
    const expected = JSON.parse(readFileSync(path.join(dir, 'expected.json'), 'utf8')) as Expected;
    const { analysis, results } = evaluateNetworkReachability(load(dir));
    const pathsOf = (id: string) => (analysis.byInstance.get(id) ?? []).flatMap((e) => e.paths);
    for (const r of expected.reachable) {
      const hit = pathsOf(r.instanceId).find(
        (p) =>
          p.type === r.type &&
          p.gateway === r.gateway &&
          p.protocol === r.protocol &&
          contains(p.ports, r.port),
      );
      expect(hit, `${r.instanceId} ${r.protocol} ${r.port} from ${r.type}`).toBeDefined();
    }
    for (const u of expected.unreachable) {
      const hit = pathsOf(u.instanceId).find((p) => p.protocol === u.protocol && contains(p.ports, u.port));
      expect(hit, `${u.instanceId} ${u.protocol} ${u.port} must not be reachable`).toBeUndefined();
    }
    const attr = (r: (typeof results)[number], k: string) =>
      r.finding?.attributes?.find((a) => a.key === k)?.value;
    const fails = results.filter((r) => r.result === 'FAIL');
    expect(
      fails
        .filter((r) => r.ruleId !== 'nr.network-exposure')
        .map((r) => ({
          ruleId: r.ruleId,
          instanceId: r.instanceId,
          REACHABILITY_TYPE: attr(r, 'REACHABILITY_TYPE'),
          PROTOCOL: attr(r, 'PROTOCOL'),
          PORT: attr(r, 'PORT'),
          severity: r.severity,
        })),
    ).toEqual(expected.findings);
    expect(
      fails
        .filter((r) => r.ruleId === 'nr.network-exposure')
        .map((r) => ({
          instanceId: r.instanceId,
          SECURITY_GROUP: attr(r, 'SECURITY_GROUP'),
          TCP_PORTS: attr(r, 'TCP_PORTS'),
        })),
    ).toEqual(expected.exposure);
    // Every result states what is not modelled; every finding carries Classic's attributes and its path.
    for (const r of results) expect(r.message).toContain(NOT_MODELLED);
    for (const r of fails) {
      const keys = r.finding?.attributes?.map((a) => a.key) ?? [];
      expect(keys).toEqual(
        expect.arrayContaining([
          'RULE_TYPE',
          'REACHABILITY_TYPE',
          'INSTANCE_ID',
          'ENI',
          'SECURITY_GROUP',
          'ACL',
          'VPC',
        ]),
      );
      if (r.ruleId !== 'nr.network-exposure') {
        expect(keys).toEqual(expect.arrayContaining(['PORT', 'PROTOCOL', 'PORT_GROUP_NAME']));
        const steps = r.evidence.filter((e) => e.source === 'network-path').map((e) => e.key);
        expect(steps).toEqual(['source', 'gateway', 'network-acl', 'network-interface', 'security-group']);
      }
    }
  });
});
