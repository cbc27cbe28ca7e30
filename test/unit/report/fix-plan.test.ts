/**
 * The fix plan on known inputs: which upgrades, to which version, in which order, with which command, and what
 * stays open; reboots and service restarts; the package manager per distribution.
 */
import { describe, expect, it } from 'vitest';
import type { Finding, InstanceSummary, VulnerabilityDetails } from '../../../functions/core/model';
import { NUMERIC_SEVERITY, type Severity } from '../../../functions/core/severity';
import {
  buildFixPlans,
  buildHostFixPlan,
  exposureRank,
  packageManagerOf,
  upgradeCommand,
} from '../../../functions/report/fix-plan';

const I = 'i-0123456789abcdef0';

function cve(
  id: string,
  severity: Severity,
  packages: VulnerabilityDetails['packages'],
  extra: Partial<VulnerabilityDetails> & { attributes?: Finding['attributes']; ecosystem?: string } = {},
): Finding {
  const { attributes, ...v } = extra;
  return {
    id: `f-${id}`,
    runId: 'run-1',
    instanceId: I,
    rulesPackage: 'cve',
    ruleId: `cve.${id}`,
    title: `${id} in ${packages.map((p) => p.sourcePackage ?? p.name).join(', ')}`,
    description: '',
    recommendation: '',
    severity,
    numericSeverity: NUMERIC_SEVERITY[severity],
    attributes: attributes ?? [],
    evidence: [],
    createdAt: '2026-11-30T00:00:00Z',
    vulnerability: {
      vulnerabilityId: id,
      aliases: [],
      advisoryIds: [],
      ecosystem: 'Debian 12',
      packages,
      fixState: packages.every((p) => p.fixedVersion) ? 'fixed' : 'not-fixed',
      references: [],
      ...v,
    },
  };
}

const pkg = (name: string, installed: string, fixed?: string, source?: string) => ({
  name,
  installedVersion: installed,
  ...(fixed ? { fixedVersion: fixed } : {}),
  ...(source ? { sourcePackage: source } : {}),
  arch: 'amd64',
});

describe('buildHostFixPlan', () => {
  it('upgrades each source package once, to the highest fixed version (dpkg order, not text order)', () => {
    const plan = buildHostFixPlan(I, [
      cve('CVE-1', 'Medium', [
        pkg('libssl3', '3.0.9-1', '3.0.10-1', 'openssl'),
        pkg('openssl', '3.0.9-1', '3.0.10-1'),
      ]),
      // 3.0.9-1~deb12u1 < 3.0.10-1 in dpkg order although it sorts after it as text.
      cve('CVE-2', 'High', [pkg('libssl3', '3.0.9-1', '3.0.9-1+deb12u1', 'openssl')]),
      cve('CVE-3', 'Low', [pkg('zlib1g', '1:1.2.13-1', '1:1.2.13.dfsg-1', 'zlib')]),
    ]);
    expect(plan.manager).toBe('apt');
    expect(plan.upgrades.map((u) => u.source)).toEqual(['openssl', 'zlib']);
    const openssl = plan.upgrades[0]!;
    expect(openssl.command).toBe('apt-get install --only-upgrade libssl3=3.0.10-1 openssl=3.0.10-1');
    expect(openssl.closes.map((c) => c.vulnerabilityId)).toEqual(['CVE-2', 'CVE-1']);
    expect(plan.upgrades[1]!.command).toBe('apt-get install --only-upgrade zlib1g=1:1.2.13.dfsg-1');
    expect(plan.closable).toBe(3);
    expect(plan.open).toEqual([]);
    expect(plan.reboot).toEqual({ needed: false, reasons: [] });
  });

  it('orders upgrades by exposure, then KEV, then EPSS, then severity, then how many they close', () => {
    const plan = buildHostFixPlan(I, [
      cve('CVE-A', 'High', [pkg('a', '1', '2')]),
      cve('CVE-B1', 'Low', [pkg('b', '1', '2')]),
      cve('CVE-B2', 'Low', [pkg('b', '1', '2')]),
      cve('CVE-C', 'Low', [pkg('c', '1', '2')], { epss: { score: 0.4, percentile: 0.9 } }),
      cve('CVE-D', 'Low', [pkg('d', '1', '2')], { kev: { dateAdded: '2026-01-01', dueDate: '2026-01-21' } }),
      cve('CVE-E', 'Informational', [pkg('e', '1', '2')], {
        attributes: [{ key: 'EXPOSURE', value: 'INTERNET' }],
      }),
      cve('CVE-F', 'Informational', [pkg('f', '1', '2')], {
        attributes: [{ key: 'EXPOSURE', value: 'VPC' }],
      }),
    ]);
    expect(plan.upgrades.map((u) => u.source)).toEqual(['e', 'f', 'd', 'c', 'a', 'b']);
    expect(plan.upgrades[0]!.exposure).toBe('INTERNET');
    expect(plan.upgrades[2]!.kevCount).toBe(1);
    expect(plan.upgrades[3]!.maxEpss).toBe(0.4);
  });

  it('keeps open what no upgrade closes, with why; a finding needing an unfixed package stays open entirely', () => {
    const plan = buildHostFixPlan(I, [
      cve('CVE-NOFIX', 'High', [pkg('perl-base', '5.36.0-7', undefined, 'perl')]),
      cve('CVE-WONT', 'Medium', [pkg('tar', '1.34', undefined)], { fixState: 'wont-fix' }),
      cve(
        'CVE-PRO',
        'Medium',
        [{ ...pkg('curl', '7.81', '7.81-1ubuntu1.20+esm1'), fixedInUbuntuPro: 'esm-infra' }],
        {
          fixState: 'ubuntu-pro',
        },
      ),
      cve('CVE-MIXED', 'Low', [pkg('a', '1', '2'), pkg('b', '1', undefined)]),
    ]);
    expect(plan.upgrades).toEqual([]);
    expect(plan.open.map((o) => [o.vulnerabilityId, o.reason])).toEqual([
      ['CVE-NOFIX', 'no fix yet'],
      ['CVE-PRO', 'fix only in Ubuntu Pro (not enabled on this host)'],
      ['CVE-WONT', 'will not be fixed in this release'],
      ['CVE-MIXED', 'no fix yet'],
    ]);
    expect(plan.closable).toBe(0);
  });

  it('says reboot for the kernel and the C library, and which listening services to restart for a library', () => {
    const instance: InstanceSummary = {
      instanceId: I,
      hostname: 'web-1',
      agentStatus: 'HEALTHY',
      listeners: {
        ownersLookedUp: true,
        services: [
          {
            protocol: 'tcp',
            address: '0.0.0.0',
            port: 22,
            loopback: false,
            accepted: 3,
            samples: 5,
            processes: [
              { pid: 812, comm: 'sshd', uid: 0, exe: '/usr/sbin/sshd', package: 'openssh-server 1:9.2p1-2' },
            ],
            libraryPackages: ['libssl3 3.0.9-1', 'libc6 2.36-9'],
          },
          {
            protocol: 'tcp',
            address: '127.0.0.1',
            port: 5432,
            loopback: true,
            accepted: 0,
            samples: 5,
            processes: [{ pid: 900, comm: 'postgres', uid: 105, package: 'postgresql-15 15.5-0' }],
            libraryPackages: ['libc6 2.36-9'],
          },
        ],
      },
    };
    const plan = buildHostFixPlan(
      I,
      [
        cve('CVE-K', 'High', [
          pkg('linux-image-6.1.0-30-amd64', '6.1.124-1', '6.1.129-1', 'linux-signed-amd64'),
        ]),
        cve('CVE-G', 'Medium', [pkg('libc6', '2.36-9', '2.36-9+deb12u4', 'glibc')]),
        cve('CVE-S', 'Medium', [pkg('libssl3', '3.0.9-1', '3.0.10-1', 'openssl')]),
      ],
      instance,
    );
    const by = Object.fromEntries(plan.upgrades.map((u) => [u.source, u]));
    expect(by['linux-signed-amd64']!.reboot).toMatch(/kernel/);
    // The fixed kernel is a new package: the old name is not pinned to the new version.
    expect(by['linux-signed-amd64']!.command).toBe(
      'apt-get install --only-upgrade linux-image-6.1.0-30-amd64',
    );
    expect(by.glibc!.reboot).toMatch(/C library/);
    expect(by.openssl!.reboot).toBeUndefined();
    expect(by.openssl!.restarts).toEqual([
      { comm: 'sshd', pid: 812, exe: '/usr/sbin/sshd', listening: ['tcp 0.0.0.0:22'], packages: ['libssl3'] },
    ]);
    expect(plan.reboot.needed).toBe(true);
    expect(plan.reboot.reasons).toHaveLength(2);
    expect(plan.runtimeTelemetry).toBe(true);
    expect(plan.hostname).toBe('web-1');
  });

  it('without runtime telemetry says services are not known', () => {
    const plan = buildHostFixPlan(
      I,
      [cve('CVE-S', 'Medium', [pkg('libssl3', '3.0.9-1', '3.0.10-1', 'openssl')])],
      {
        instanceId: I,
        agentStatus: 'HEALTHY',
      },
    );
    expect(plan.runtimeTelemetry).toBe(false);
    expect(plan.upgrades[0]!.restarts).toEqual([]);
  });

  it('has no command but a note when the package manager is not known', () => {
    const plan = buildHostFixPlan(I, [cve('CVE-X', 'Low', [pkg('x', '1', '2')], { ecosystem: 'Plan 9 4' })]);
    expect(plan.manager).toBeUndefined();
    expect(plan.upgrades[0]!.command).toBeUndefined();
    expect(plan.upgrades[0]!.notes[0]).toMatch(/package manager of Plan 9 4 not known/);
  });

  it('ignores findings without vulnerability details and other instances; buildFixPlans filters by instance', () => {
    const sbp: Finding = {
      ...cve('CVE-1', 'Low', [pkg('a', '1', '2')]),
      vulnerability: undefined,
    } as Finding;
    const other = { ...cve('CVE-2', 'Low', [pkg('b', '1', '2')]), instanceId: 'i-other' };
    expect(buildHostFixPlan(I, [sbp, other]).cveFindings).toBe(0);
    const all = buildFixPlans([cve('CVE-3', 'Low', [pkg('c', '1', '2')]), other], []);
    expect(all.map((p) => p.instanceId)).toEqual([I, 'i-other']);
    expect(buildFixPlans([other], [], I)).toEqual([]);
  });
});

describe('package managers and commands', () => {
  it.each([
    ['Debian 12', 'apt'],
    ['Ubuntu 22.04', 'apt'],
    ['Alpine v3.19', 'apk'],
    ['Amazon Linux 2', 'yum'],
    ['Amazon Linux 2023', 'dnf'],
    ['Red Hat Enterprise Linux 7', 'yum'],
    ['Red Hat Enterprise Linux 9', 'dnf'],
    ['Rocky Linux 8', 'dnf'],
    ['AlmaLinux 9', 'dnf'],
  ])('%s → %s', (eco, manager) => {
    expect(packageManagerOf(eco)?.manager).toBe(manager);
  });

  it('writes each manager’s exact syntax', () => {
    const p = [
      { name: 'openssl', installedVersion: '1', targetVersion: '1:3.0.7-27.el9' },
      { name: 'libssl', installedVersion: '1', targetVersion: '1:3.0.7-27.el9' },
    ];
    expect(upgradeCommand('dnf', p, false)).toBe('dnf upgrade libssl-1:3.0.7-27.el9 openssl-1:3.0.7-27.el9');
    expect(upgradeCommand('yum', p, false)).toBe('yum update libssl-1:3.0.7-27.el9 openssl-1:3.0.7-27.el9');
    expect(
      upgradeCommand('apk', [{ name: 'musl', installedVersion: '1', targetVersion: '1.2.4-r3' }], false),
    ).toBe('apk add musl=1.2.4-r3');
  });

  it('ranks exposure values, unknown ones above none', () => {
    expect(exposureRank('INTERNET')).toBeGreaterThan(exposureRank('VPC'));
    expect(exposureRank('VPC')).toBeGreaterThan(exposureRank('something-new'));
    expect(exposureRank('something-new')).toBeGreaterThan(exposureRank(undefined));
    expect(exposureRank('internet-facing')).toBe(exposureRank('INTERNET'));
  });
});
