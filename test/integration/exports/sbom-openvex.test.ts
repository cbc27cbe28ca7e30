/**
 * CycloneDX SBOMs and OpenVEX documents: purls checked against the purl spec's own examples (PURL-TYPES) for
 * deb, rpm and apk; SBOMs of real package databases (Debian 12 dpkg status, Alpine 3.18 apk, Amazon Linux
 * 2023 and AlmaLinux 8 `rpm -qa`) collected by the real agent, validated against the official CycloneDX 1.6
 * schema; the local CLI end to end (assess → sbom, create-suppression-rule → export --format openvex)
 * validated against the official OpenVEX 0.2.0 schema.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PackageURL } from 'packageurl-js';
import { afterAll, describe, expect, it } from 'vitest';
import { collectTelemetry } from '../../../agent/collect';
import { Facts } from '../../../functions/core/facts/facts';
import {
  type Distro,
  type InstalledPackage,
  type Inventory,
  inventory,
} from '../../../functions/core/facts/packages';
import type { Finding } from '../../../functions/core/model';
import type { RunRecord } from '../../../functions/core/run';
import { newSuppressionRule } from '../../../functions/core/suppressions';
import { parseTelemetry } from '../../../functions/core/telemetry';
import { buildCycloneDx, serializeCycloneDx } from '../../../functions/exports/cyclonedx';
import { buildOpenVex } from '../../../functions/exports/openvex';
import { packagePurl } from '../../../functions/exports/purl';
import { cleanupRoots, makeRoot } from '../../helpers/fixture-root';
import { runInspector } from '../../helpers/inspector-cli';
import { cleanupRpmBins, collectRpmRoot, rpmLine } from '../../helpers/rpm-root';
import { cycloneDx16Validator, openVex020Validator } from '../../helpers/schema-validators';

const FIX = path.resolve(__dirname, '../../fixtures');
const fixture = (p: string) => readFileSync(path.join(FIX, p), 'utf8');
const dirs: string[] = [];
afterAll(() => {
  cleanupRoots();
  cleanupRpmBins();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const pkg = (
  manager: InstalledPackage['manager'],
  name: string,
  version: string,
  arch?: string,
): InstalledPackage => ({
  manager,
  name,
  version,
  ...(arch ? { arch } : {}),
  sourceName: name,
  sourceVersion: version,
});

describe('purls against the purl specification examples (PURL-TYPES.rst)', () => {
  // [spec example, package, distro]: type, namespace, name, version, arch and epoch must equal the example's;
  // the distro qualifier is always <ID>-<VERSION_ID> (the examples mix codenames and versions).
  const cases: Array<[string, InstalledPackage, Distro, string]> = [
    [
      'pkg:deb/debian/curl@7.50.3-1?arch=i386&distro=jessie',
      pkg('dpkg', 'curl', '7.50.3-1', 'i386'),
      { id: 'debian', versionId: '8' },
      'debian-8',
    ],
    [
      'pkg:deb/debian/dpkg@1.19.0.4?arch=amd64&distro=stretch',
      pkg('dpkg', 'dpkg', '1.19.0.4', 'amd64'),
      { id: 'debian', versionId: '9' },
      'debian-9',
    ],
    [
      'pkg:deb/ubuntu/dpkg@1.19.0.4?arch=amd64',
      pkg('dpkg', 'dpkg', '1.19.0.4', 'amd64'),
      { id: 'ubuntu', versionId: '18.04' },
      'ubuntu-18.04',
    ],
    [
      'pkg:deb/debian/attr@1:2.4.47-2?arch=source',
      pkg('dpkg', 'attr', '1:2.4.47-2', 'source'),
      { id: 'debian', versionId: '12' },
      'debian-12',
    ],
    [
      'pkg:deb/debian/attr@1:2.4.47-2%2Bb1?arch=amd64',
      pkg('dpkg', 'attr', '1:2.4.47-2+b1', 'amd64'),
      { id: 'debian', versionId: '12' },
      'debian-12',
    ],
    [
      'pkg:rpm/fedora/curl@7.50.3-1.fc25?arch=i386&distro=fedora-25',
      pkg('rpm', 'curl', '7.50.3-1.fc25', 'i386'),
      { id: 'fedora', versionId: '25' },
      'fedora-25',
    ],
    [
      'pkg:rpm/centerim@4.22.10-1.el6?arch=i686&epoch=1&distro=fedora-25',
      pkg('rpm', 'centerim', '1:4.22.10-1.el6', 'i686'),
      { id: 'fedora', versionId: '25' },
      'fedora-25',
    ],
    [
      'pkg:rpm/opensuse/curl@7.56.1-1.1.?arch=i386&distro=opensuse-tumbleweed',
      pkg('rpm', 'curl', '7.56.1-1.1.', 'i386'),
      { id: 'opensuse', versionId: 'tumbleweed' },
      'opensuse-tumbleweed',
    ],
    [
      'pkg:apk/alpine/curl@7.83.0-r0?arch=x86',
      pkg('apk', 'curl', '7.83.0-r0', 'x86'),
      { id: 'alpine', versionId: '3.16.0' },
      'alpine-3.16.0',
    ],
    [
      'pkg:apk/alpine/apk@2.12.9-r3?arch=x86',
      pkg('apk', 'apk', '2.12.9-r3', 'x86'),
      { id: 'alpine', versionId: '3.16.0' },
      'alpine-3.16.0',
    ],
  ];
  it.each(cases)('%s', (example, p, distro, distroQualifier) => {
    const ours = PackageURL.fromString(packagePurl(p, distro));
    const spec = PackageURL.fromString(example);
    expect(ours.type).toBe(spec.type);
    // The centerim example has no namespace; ours always names the vendor.
    if (spec.namespace) expect(ours.namespace).toBe(spec.namespace);
    expect(ours.name).toBe(spec.name);
    expect(ours.version).toBe(spec.version);
    expect(ours.qualifiers?.arch).toBe(spec.qualifiers?.arch);
    expect(ours.qualifiers?.epoch).toBe(spec.qualifiers?.epoch);
    expect(ours.qualifiers?.distro).toBe(distroQualifier);
  });

  it('writes the canonical form (qualifiers sorted, + encoded, RHEL as redhat)', () => {
    expect(
      packagePurl(pkg('dpkg', 'libc6', '2.36-9+deb12u7', 'amd64'), { id: 'debian', versionId: '12' }),
    ).toBe('pkg:deb/debian/libc6@2.36-9%2Bdeb12u7?arch=amd64&distro=debian-12');
    expect(
      packagePurl(pkg('rpm', 'openssl', '1:3.0.7-27.el9', 'x86_64'), { id: 'rhel', versionId: '9.4' }),
    ).toBe('pkg:rpm/redhat/openssl@3.0.7-27.el9?arch=x86_64&distro=rhel-9.4&epoch=1');
    expect(
      packagePurl(pkg('rpm', 'bash', '0:5.2.15-1.amzn2023', 'x86_64'), { id: 'amzn', versionId: '2023' }),
    ).toBe('pkg:rpm/amzn/bash@5.2.15-1.amzn2023?arch=x86_64&distro=amzn-2023');
  });
});

const run: RunRecord = {
  runId: 'run-20261202T100000Z-abcdef',
  name: 'r',
  state: 'COMPLETED',
  stateHistory: [],
  createdAt: '2026-12-02T10:00:00.000Z',
  durationSeconds: 0,
  rulesPackages: ['cve'],
  findingCounts: { High: 1, Medium: 0, Low: 0, Informational: 0 },
  mode: 'local',
};

async function inventoryOf(files: Record<string, string>): Promise<Inventory> {
  const root = makeRoot({
    files,
    sysctl: { 'kernel.osrelease': '6.1.0-25-amd64', 'kernel.ostype': 'Linux' },
  });
  const t = parseTelemetry(
    JSON.parse(JSON.stringify(await collectTelemetry({ root, runId: run.runId, instanceId: 'i-0abc' }))),
  );
  const inv = inventory(new Facts(t));
  if (!inv.ok) throw new Error(inv.reason);
  return inv.value;
}

function sbom(
  inv: Inventory,
  findings: Finding[] = [],
  rules = [] as ReturnType<typeof newSuppressionRule>[],
) {
  const text = serializeCycloneDx(
    buildCycloneDx({
      run,
      instance: {
        instanceId: 'i-0abc',
        hostname: 'web-1',
        arch: 'x86_64',
        agentStatus: 'HEALTHY',
        os: 'Debian GNU/Linux 12 (bookworm)',
      },
      inventory: inv,
      findings,
      rules,
      generatedAt: new Date('2026-12-02T11:00:00.000Z'),
      toolVersion: '0.1.0',
    }),
  );
  const doc = JSON.parse(text) as {
    specVersion: string;
    metadata: { component: { type: string; name: string } };
    components: Array<{ type: string; name: string; version?: string; purl?: string; 'bom-ref': string }>;
    dependencies: Array<{ ref: string; dependsOn?: string[] }>;
    vulnerabilities?: Array<Record<string, unknown>>;
  };
  const validate = cycloneDx16Validator();
  const valid = validate(doc);
  expect(validate.errors ?? [], JSON.stringify(validate.errors?.slice(0, 3))).toEqual([]);
  expect(valid).toBe(true);
  return doc;
}

describe('CycloneDX 1.6 SBOMs of real package databases, valid against the official schema', () => {
  it('Debian 12 (dpkg): OS component, every package with its purl, dependency graph', async () => {
    const inv = await inventoryOf({
      '/etc/os-release': fixture('os-release/debian-12'),
      '/var/lib/dpkg/status': fixture('inventory/dpkg-status-this-host.txt'),
    });
    const doc = sbom(inv);
    expect(doc.specVersion).toBe('1.6');
    expect(doc.metadata.component).toMatchObject({ type: 'device', name: 'i-0abc' });
    const osc = doc.components.find((c) => c.type === 'operating-system');
    expect(osc).toMatchObject({ name: 'debian', version: '12' });
    const purls = doc.components.filter((c) => c.type === 'library').map((c) => c.purl);
    expect(purls).toHaveLength(inv.packages.length);
    expect(purls).toContain('pkg:deb/debian/bsdutils@1:2.38.1-5%2Bdeb12u3?arch=amd64&distro=debian-12');
    expect(purls).toContain('pkg:deb/debian/tzdata@2025b-0%2Bdeb12u2?arch=all&distro=debian-12');
    expect(doc.dependencies.find((d) => d.ref === osc?.['bom-ref'])?.dependsOn).toHaveLength(
      inv.packages.length,
    );
    expect(doc.dependencies.find((d) => d.ref === 'instance:i-0abc')?.dependsOn).toEqual([osc?.['bom-ref']]);
  });

  it('Alpine 3.18 (apk)', async () => {
    const doc = sbom(
      await inventoryOf({
        '/etc/os-release': 'ID=alpine\nVERSION_ID=3.18.4\nPRETTY_NAME="Alpine Linux v3.18"\n',
        '/lib/apk/db/installed': fixture('inventory/apk-installed-alpine318-aarch64.txt'),
      }),
    );
    expect(doc.components.map((c) => c.purl)).toContain(
      'pkg:apk/alpine/libssl3@3.1.2-r0?arch=aarch64&distro=alpine-3.18.4',
    );
  });

  it.each([
    [
      'amzn-2023',
      'inventory/rpm-qa-amzn2023.tsv',
      'pkg:rpm/amzn/rsyslog-doc@8.2204.0-3.amzn2023.0.2?arch=noarch&distro=amzn-2023',
    ],
    [
      'rocky-9',
      'inventory/rpm-qa-almalinux8.tsv',
      'pkg:rpm/rocky/libsndfile@1.0.28-10.el8_4.1?arch=x86_64&distro=rocky-9.4',
    ],
    [
      'rhel-9',
      'inventory/rpm-qa-almalinux8.tsv',
      'pkg:rpm/redhat/libsndfile@1.0.28-10.el8_4.1?arch=x86_64&distro=rhel-9.4',
    ],
  ])('%s (rpm)', async (osRelease, qa, expected) => {
    const t = await collectRpmRoot({
      osRelease: fixture(`os-release/${osRelease}`),
      lines: [...fixture(qa).trim().split('\n'), rpmLine('centerim', '1', '4.22.10', '1.el6', 'x86_64')],
      kernel: '6.1.0',
      instanceId: 'i-0abc',
    });
    const inv = inventory(new Facts(t));
    if (!inv.ok) throw new Error(inv.reason);
    const doc = sbom(inv.value);
    const purls = doc.components.map((c) => c.purl);
    if (osRelease !== 'amzn-2023') {
      const versionId = /VERSION_ID="?([^"\n]+)/.exec(fixture(`os-release/${osRelease}`))?.[1];
      expect(purls).toContain(expected.replace('9.4', versionId ?? ''));
    } else expect(purls).toContain(expected);
    expect(purls.some((p) => p?.includes('/centerim@4.22.10-1.el6?') && p.endsWith('&epoch=1'))).toBe(true);
  });

  it("the run's vulnerabilities: affected packages, CVSS, fix state, EPSS/KEV, a waiver's analysis", async () => {
    const inv = await inventoryOf({
      '/etc/os-release': fixture('os-release/debian-12'),
      '/var/lib/dpkg/status': fixture('inventory/dpkg-status-this-host.txt'),
    });
    const rule = newSuppressionRule(
      {
        match: { cve: 'CVE-2022-3715' },
        owner: 'sec',
        reason: 'bash is not reachable by users',
        expiresOn: '2026-12-20',
        vex: { status: 'not_affected', justification: 'vulnerable_code_not_in_execute_path' },
      },
      { id: 'sup-1', now: new Date('2026-12-02T00:00:00Z'), actor: 'a' },
    );
    const f: Finding = {
      id: 'f-1',
      runId: run.runId,
      instanceId: 'i-0abc',
      rulesPackage: 'cve',
      ruleId: 'cve.CVE-2022-3715',
      title: 'CVE-2022-3715 in bash',
      description: 'A flaw in bash valid_parameter_transform',
      recommendation: 'Upgrade bash to 5.2.15-2+b9',
      severity: 'High',
      numericSeverity: 7.8,
      attributes: [],
      evidence: [],
      createdAt: run.createdAt,
      vulnerability: {
        vulnerabilityId: 'CVE-2022-3715',
        aliases: [],
        advisoryIds: [],
        ecosystem: 'debian:12',
        packages: [
          { name: 'bash', installedVersion: '5.2.15-2+b8', fixedVersion: '5.2.15-2+b9', arch: 'amd64' },
        ],
        fixState: 'fixed',
        cvss: { version: '3.1', vector: 'CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H', baseScore: 7.8 },
        epss: { score: 0.0004, percentile: 0.1 },
        kev: { dateAdded: '2024-01-01', dueDate: '2024-01-22' },
        references: ['https://security-tracker.debian.org/tracker/CVE-2022-3715'],
      },
      suppression: {
        suppressionRuleId: 'sup-1',
        owner: 'sec',
        reason: 'bash is not reachable by users',
        expiresOn: '2026-12-20',
      },
    };
    const doc = sbom(inv, [f], [rule]);
    const v = doc.vulnerabilities?.[0] as {
      id: string;
      affects: Array<{ ref: string }>;
      ratings: Array<{ method: string; score?: number; vector?: string; severity?: string }>;
      properties: Array<{ name: string; value: string }>;
      analysis: { state: string; justification: string };
    };
    expect(v.id).toBe('CVE-2022-3715');
    expect(v.affects).toEqual([{ ref: 'pkg:deb/debian/bash@5.2.15-2%2Bb8?arch=amd64&distro=debian-12' }]);
    expect(v.ratings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          method: 'CVSSv31',
          score: 7.8,
          vector: 'CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H',
        }),
        expect.objectContaining({ method: 'other', severity: 'high' }),
      ]),
    );
    expect(v.properties).toEqual(
      expect.arrayContaining([
        { name: 'inspector:fixState', value: 'fixed' },
        { name: 'inspector:fixedVersion', value: 'bash 5.2.15-2+b9' },
        { name: 'inspector:epssScore', value: '0.0004' },
        { name: 'inspector:cisaKevDateAdded', value: '2024-01-01' },
      ]),
    );
    expect(v.analysis).toMatchObject({ state: 'not_affected', justification: 'code_not_reachable' });
  });
});

describe('OpenVEX 0.2.0 of the active waivers, valid against the official schema', () => {
  const now = new Date('2026-12-02T12:00:00Z');
  const make = (id: string, raw: Record<string, unknown>) =>
    newSuppressionRule(
      { owner: 'sec', reason: 'reviewed', expiresOn: '2026-12-20', ...raw },
      { id, now, actor: 'a' },
    );

  it('not_affected with a justification, affected with an action statement; expired and CVE-less ones left out', () => {
    const rules = [
      make('sup-1', {
        match: { cve: 'CVE-2024-3094', packageName: 'liblzma5' },
        vex: { status: 'not_affected', justification: 'vulnerable_code_not_present' },
      }),
      make('sup-2', { match: { cve: 'CVE-2023-4911', instanceId: 'i-0abc' } }),
      make('sup-3', {
        match: { cve: 'CVE-2023-0001' },
        vex: { status: 'affected', actionStatement: 'Rebuild the AMI in January' },
      }),
      make('sup-4', { match: { ruleId: 'sbp.aslr' } }),
      make('sup-5', { match: { cve: 'CVE-2020-0001' }, expiresOn: '2026-12-03' }),
    ];
    const result = buildOpenVex({ rules, now: new Date('2026-12-03T00:00:00Z'), author: 'sec@example.com' });
    const validate = openVex020Validator();
    expect(validate(result.document), JSON.stringify(validate.errors)).toBe(true);
    const s = result.document!.statements;
    expect(s.map((x) => [x.vulnerability.name, x.status])).toEqual([
      ['CVE-2024-3094', 'not_affected'],
      ['CVE-2023-4911', 'affected'],
      ['CVE-2023-0001', 'affected'],
    ]);
    expect(s[0]).toMatchObject({ justification: 'vulnerable_code_not_present' });
    expect(s[0]?.action_statement).toBeUndefined();
    expect(s[1]?.action_statement).toBe('Risk accepted by sec until 2026-12-20: reviewed');
    expect(s[1]?.products).toEqual([{ '@id': 'urn:inspector-classic-selfhosted:instance:i-0abc' }]);
    expect(s[2]?.action_statement).toBe('Rebuild the AMI in January');
    expect(result.skipped).toEqual([
      { suppressionRuleId: 'sup-4', reason: 'names no CVE (VEX states vulnerabilities)' },
    ]);
  });

  it('with a run: the instances whose findings the waiver suppresses, with the affected packages as purls', async () => {
    const inv = await inventoryOf({
      '/etc/os-release': fixture('os-release/debian-12'),
      '/var/lib/dpkg/status': fixture('inventory/dpkg-status-this-host.txt'),
    });
    const f = {
      id: 'f-1',
      runId: run.runId,
      instanceId: 'i-0abc',
      rulesPackage: 'cve',
      ruleId: 'cve.CVE-2022-3715',
      title: 't',
      description: 'd',
      recommendation: 'r',
      severity: 'High',
      numericSeverity: 7.8,
      attributes: [],
      evidence: [],
      createdAt: run.createdAt,
      vulnerability: {
        vulnerabilityId: 'CVE-2022-3715',
        aliases: [],
        advisoryIds: [],
        ecosystem: 'debian:12',
        packages: [{ name: 'bash', installedVersion: '5.2.15-2+b8', arch: 'amd64' }],
        fixState: 'fixed',
        references: [],
      },
    } satisfies Finding;
    const result = buildOpenVex({
      rules: [
        make('sup-1', { match: { cve: 'CVE-2022-3715' } }),
        make('sup-2', { match: { cve: 'CVE-2099-0001' } }),
      ],
      now,
      author: 'sec',
      run: { findings: [f], inventories: new Map([['i-0abc', inv]]) },
    });
    expect(openVex020Validator()(result.document)).toBe(true);
    expect(result.document?.statements[0]?.products).toEqual([
      {
        '@id': 'urn:inspector-classic-selfhosted:instance:i-0abc',
        subcomponents: [
          {
            '@id': 'pkg:deb/debian/bash@5.2.15-2%2Bb8?arch=amd64&distro=debian-12',
            identifiers: { purl: 'pkg:deb/debian/bash@5.2.15-2%2Bb8?arch=amd64&distro=debian-12' },
          },
        ],
      },
    ]);
    expect(result.skipped).toEqual([
      { suppressionRuleId: 'sup-2', reason: 'suppresses no finding of the run' },
    ]);
  });

  it('a document the schema refuses is caught by the validator (it can fail)', () => {
    const validate = openVex020Validator();
    const bad = {
      '@context': 'https://openvex.dev/ns/v0.2.0',
      '@id': 'urn:x',
      author: 'a',
      timestamp: 'yesterday',
      version: 1,
      statements: [{ vulnerability: { name: 'CVE-1' }, status: 'not_affected' }],
    };
    expect(validate(bad)).toBe(false);
    expect(
      cycloneDx16Validator()({
        bomFormat: 'CycloneDX',
        specVersion: '1.6',
        components: [{ type: 'os', name: 'x' }],
      }),
    ).toBe(false);
  });
});

describe('the local CLI: inspector sbom and inspector export --format openvex', () => {
  it('writes a schema-valid SBOM of a local run, and OpenVEX naming its purls', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'inspector-exports-'));
    dirs.push(dataDir);
    const root = makeRoot({
      files: {
        '/etc/os-release': fixture('os-release/debian-12'),
        '/var/lib/dpkg/status': fixture('inventory/dpkg-status-this-host.txt'),
        '/etc/ssh/sshd_config': 'PermitRootLogin yes\n',
      },
      sysctl: { 'kernel.ostype': 'Linux', 'kernel.osrelease': '6.1.0-25-amd64' },
    });
    const assessed = await runInspector([
      'assess',
      '--root',
      root,
      '--rules-packages',
      'security-best-practices',
      '--format',
      'json',
      '--data-dir',
      dataDir,
    ]);
    expect(assessed.code, assessed.stderr).toBe(0);
    const runId = (JSON.parse(assessed.stdout) as { run: { runId: string } }).run.runId;

    const out = path.join(dataDir, 'sbom.json');
    const s = await runInspector([
      'sbom',
      '--run',
      runId,
      '--format',
      'cyclonedx',
      '--out',
      out,
      '--data-dir',
      dataDir,
    ]);
    expect(s.code, s.stderr).toBe(0);
    const doc = JSON.parse(readFileSync(out, 'utf8'));
    expect(cycloneDx16Validator()(doc)).toBe(true);
    expect(doc.components.map((c: { purl?: string }) => c.purl)).toContain(
      'pkg:deb/debian/libc6@2.36-9%2Bdeb12u14?arch=amd64&distro=debian-12',
    );

    const wrong = await runInspector(['sbom', '--run', runId, '--instance', 'i-nope', '--data-dir', dataDir]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/has no instance i-nope/);

    const none = await runInspector(['export', '--format', 'openvex', '--data-dir', dataDir]);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/no active suppression rule/);

    const expires = new Date(Date.now() + 5 * 86_400_000).toISOString().slice(0, 10);
    const c = await runInspector([
      'create-suppression-rule',
      '--data-dir',
      dataDir,
      '--cve',
      'CVE-2024-3094',
      '--owner',
      'sec',
      '--reason',
      'not shipped',
      '--expires-on',
      expires,
      '--vex-justification',
      'component_not_present',
    ]);
    expect(c.code, c.stderr).toBe(0);
    const v = await runInspector([
      'export',
      '--format',
      'openvex',
      '--author',
      'sec@example.com',
      '--data-dir',
      dataDir,
    ]);
    expect(v.code, v.stderr).toBe(0);
    const vex = JSON.parse(v.stdout);
    expect(openVex020Validator()(vex)).toBe(true);
    expect(vex.statements[0]).toMatchObject({
      status: 'not_affected',
      justification: 'component_not_present',
      vulnerability: { name: 'CVE-2024-3094' },
    });
  });
});
