/**
 * A synthetic assessment output of N findings for report tests and bench/report.ts: CVE findings shaped as the
 * cve package writes them (vulnerability details, packages with fixed versions, KEV/EPSS on some), and security
 * best practice findings, spread over a few instances, with every rule result of a full report. Deterministic
 * (seeded): titles are unique (`… #<n>`), so a test can look for every one of them.
 */
import type { Finding, InstanceSummary, RuleResult } from '../../functions/core/model';
import type { AssessmentOutput } from '../../functions/core/run';
import { NUMERIC_SEVERITY, SEVERITIES, type Severity } from '../../functions/core/severity';
import { seededRandom } from './seeded-random';

const SOURCES = [
  'openssl',
  'openssh',
  'glibc',
  'curl',
  'bash',
  'libxml2',
  'systemd',
  'sudo',
  'zlib',
  'linux',
];

export function syntheticOutput(
  count: number,
  opts: { instances?: number; seed?: number } = {},
): AssessmentOutput {
  const rnd = seededRandom(opts.seed ?? 42);
  const instances: InstanceSummary[] = Array.from({ length: opts.instances ?? 3 }, (_, i) => ({
    instanceId: `i-${String(i).padStart(17, '0')}`,
    hostname: `host-${i}`,
    os: 'Debian GNU/Linux 12 (bookworm)',
    kernelRelease: '6.1.0-30-amd64',
    arch: 'x86_64',
    agentStatus: 'HEALTHY',
  }));
  const findings: Finding[] = [];
  const results: RuleResult[] = [];
  for (let n = 0; n < count; n++) {
    const inst = instances[n % instances.length]!;
    const severity = SEVERITIES[Math.floor(rnd.next() * SEVERITIES.length)] as Severity;
    const cve = n % 5 !== 0;
    const id = `f-${n.toString(16).padStart(32, '0')}`;
    const base = {
      id,
      runId: 'run-synthetic',
      instanceId: inst.instanceId,
      hostname: inst.hostname!,
      severity,
      numericSeverity: NUMERIC_SEVERITY[severity],
      createdAt: '2026-11-30T12:00:00.000Z',
    };
    if (cve) {
      const source = SOURCES[Math.floor(rnd.next() * SOURCES.length)]!;
      const cveId = `CVE-2099-${String(10000 + n)}`;
      const fixed = rnd.next() < 0.85;
      findings.push({
        ...base,
        rulesPackage: 'cve',
        ruleId: `cve.${cveId}`,
        title: `${cveId} - ${source} #${n}`,
        description: `${cveId}: a synthetic vulnerability in ${source} used to measure reports. Affected installed packages: ${source} 1.0-1.`,
        recommendation: fixed ? `apt-get install --only-upgrade ${source}` : 'No fix yet: mitigate.',
        attributes: [
          { key: 'VULNERABILITY_ID', value: cveId },
          { key: 'PACKAGE_NAMES', value: source },
        ],
        evidence: [{ source: '/var/lib/dpkg/status', key: `${source}:amd64`, value: '1.0-1' }],
        vulnerability: {
          vulnerabilityId: cveId,
          aliases: [],
          advisoryIds: [`DEBIAN-${cveId}`],
          ecosystem: 'Debian 12',
          packages: [
            {
              name: source,
              installedVersion: '1.0-1',
              ...(fixed ? { fixedVersion: `1.0-${2 + (n % 7)}` } : {}),
              sourcePackage: source,
              arch: 'amd64',
            },
          ],
          fixState: fixed ? 'fixed' : 'not-fixed',
          cvss: { version: '3.1', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', baseScore: 9.8 },
          ...(n % 37 === 0 ? { kev: { dateAdded: '2026-01-01', dueDate: '2026-01-22' } } : {}),
          ...(n % 3 === 0 ? { epss: { score: (n % 100) / 100, percentile: 0.5 } } : {}),
          references: [`https://security-tracker.debian.org/tracker/${cveId}`],
        },
      });
      results.push({
        rulesPackage: 'cve',
        ruleId: `cve.${cveId}`,
        instanceId: inst.instanceId,
        result: 'FAIL',
        severity,
        title: `${cveId} - ${source}`,
        message: `${source} 1.0-1 is affected`,
        evidence: [],
      });
    } else {
      findings.push({
        ...base,
        rulesPackage: 'security-best-practices',
        ruleId: 'sbp.ssh-root-login',
        title: `SSH permits root login #${n}`,
        description: 'The SSH daemon accepts logins as root.',
        recommendation: 'Set PermitRootLogin no in /etc/ssh/sshd_config.',
        attributes: [],
        evidence: [
          { source: '/etc/ssh/sshd_config', line: 33, key: 'PermitRootLogin', value: 'yes', expected: 'no' },
        ],
      });
      results.push({
        rulesPackage: 'security-best-practices',
        ruleId: `sbp.synthetic-${n}`,
        instanceId: inst.instanceId,
        result: 'FAIL',
        severity,
        title: 'SSH permits root login',
        message: 'PermitRootLogin yes',
        evidence: [],
      });
    }
  }
  // Passing results too, as a full report has them.
  for (const inst of instances)
    for (let k = 0; k < 20; k++)
      results.push({
        rulesPackage: 'security-best-practices',
        ruleId: `sbp.passing-${k}`,
        instanceId: inst.instanceId,
        result: k % 5 === 0 ? 'NOT_APPLICABLE' : 'PASS',
        severity: 'Medium',
        title: `Passing rule ${k}`,
        message: 'as expected',
        evidence: [],
      });
  const findingCounts = Object.fromEntries(
    SEVERITIES.map((s) => [s, findings.filter((f) => f.severity === s).length]),
  ) as Record<Severity, number>;
  return {
    run: {
      runId: 'run-synthetic',
      name: 'synthetic report run',
      state: 'COMPLETED',
      stateHistory: [],
      createdAt: '2026-11-30T12:00:00.000Z',
      startedAt: '2026-11-30T12:00:00.000Z',
      completedAt: '2026-11-30T12:05:00.000Z',
      durationSeconds: 300,
      rulesPackages: ['cve', 'security-best-practices'],
      findingCounts,
      mode: 'local',
    },
    instances,
    results,
    findings,
    exclusions: [],
  };
}
