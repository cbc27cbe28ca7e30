import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parseOsvEcosystem, releaseKeyForDistro } from '../../../functions/feeds/ecosystems';
import { epssLookup, looksLikeEpss, readEpss } from '../../../functions/feeds/readers/epss';
import { looksLikeKev, readKev } from '../../../functions/feeds/readers/kev';
import { readOsvJson, readOsvJsonl, readOsvValue } from '../../../functions/feeds/readers/osv';
import { alasRelease, readUpdateinfo, updateinfoLocation } from '../../../functions/feeds/readers/updateinfo';
import { parseXml, XmlError } from '../../../functions/feeds/readers/xml';

const FIX = path.resolve(__dirname, '../../fixtures/cve');
const text = (p: string) => readFileSync(path.join(FIX, p), 'utf8');
const gz = (p: string) => gunzipSync(readFileSync(path.join(FIX, p))).toString('utf8');

describe('ecosystems', () => {
  it.each([
    ['Debian:12', 'debian:12'],
    ['Ubuntu:22.04:LTS', 'ubuntu:22.04'],
    ['Ubuntu:25.10', 'ubuntu:25.10'],
    ['Ubuntu:Pro:16.04:LTS', 'ubuntu:pro-16.04'],
    ['Alpine:v3.18', 'alpine:v3.18'],
    ['AlmaLinux:8', 'almalinux:8'],
    ['Rocky Linux:9', 'rocky:9'],
    ['Red Hat:enterprise_linux:9::appstream', 'redhat:9'],
  ])('%s → %s', (eco, key) => {
    const k = parseOsvEcosystem(eco);
    expect(k && `${k.family}:${k.release}`).toBe(key);
  });
  it('leaves other ecosystems and special streams out', () => {
    expect(parseOsvEcosystem('PyPI')).toBeUndefined();
    expect(parseOsvEcosystem('Debian')).toBeUndefined();
    expect(parseOsvEcosystem('Red Hat:rhel_aus:8.4::appstream')).toBeUndefined();
  });
  it('maps os-release identities', () => {
    expect(releaseKeyForDistro({ id: 'debian', versionId: '12' })).toEqual({
      ok: true,
      key: { family: 'debian', release: '12' },
    });
    expect(releaseKeyForDistro({ id: 'alpine', versionId: '3.18.4' })).toEqual({
      ok: true,
      key: { family: 'alpine', release: 'v3.18' },
    });
    expect(releaseKeyForDistro({ id: 'rocky', versionId: '9.4' })).toEqual({
      ok: true,
      key: { family: 'rocky', release: '9' },
    });
    expect(releaseKeyForDistro({ id: 'amzn', versionId: '2023' })).toEqual({
      ok: true,
      key: { family: 'amazon', release: '2023' },
    });
    expect(releaseKeyForDistro({ id: 'amzn', versionId: '2018.03' })).toEqual({
      ok: true,
      key: { family: 'amazon', release: '1' },
    });
    const fedora = releaseKeyForDistro({ id: 'fedora', versionId: '40' });
    expect(fedora.ok).toBe(false);
    expect(releaseKeyForDistro({ id: 'debian', versionId: '' }).ok).toBe(false);
  });
});

describe('OSV reader on real records', () => {
  it('Ubuntu CVE record: one advisory per release, source names, vendor priority, CVSS computed, fixes and no-fix', () => {
    const r = readOsvJson(text('osv/ubuntu/UBUNTU-CVE-2014-9913.json'), 'u');
    expect(r.errors).toEqual([]);
    const keys = r.advisories.map((a) => `${a.key.family}:${a.key.release}`).sort();
    expect(keys).toEqual(['ubuntu:16.04', 'ubuntu:pro-14.04']);
    const xenial = r.advisories.find((a) => a.key.release === '16.04')!;
    expect(xenial.id).toBe('UBUNTU-CVE-2014-9913');
    expect(xenial.cves).toEqual(['CVE-2014-9913']);
    expect(xenial.severity).toBe('negligible');
    expect(xenial.cvss).toEqual({
      version: '3.0',
      vector: 'CVSS:3.0/AV:L/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L',
      score: 4,
    });
    expect(xenial.packages).toEqual([
      {
        name: 'unzip',
        ranges: [
          [
            { kind: 'introduced', version: '0' },
            { kind: 'fixed', version: '6.0-20ubuntu1.1' },
          ],
        ],
        versions: [],
        arches: [],
        wontFix: false,
      },
    ]);
    const unfixed = readOsvJson(text('osv/ubuntu/UBUNTU-CVE-2022-24823.json'), 'u');
    const pro14 = unfixed.advisories.find((a) => a.key.release === 'pro-14.04')!;
    expect(pro14.packages[0]!.ranges).toEqual([[{ kind: 'introduced', version: '0' }]]);
    expect(unfixed.advisories.find((a) => a.key.release === '25.10')).toBeDefined();
  });

  it('USN record: CVEs from upstream and cves_map, no vendor severity of its own', () => {
    const r = readOsvJson(text('osv/ubuntu/USN-5614-1.json'), 'usn');
    expect(r.errors).toEqual([]);
    expect(r.advisories.map((a) => a.key.release).sort()).toEqual(['18.04', '20.04', '22.04']);
    expect(r.advisories[0]!.cves).toEqual(['CVE-2021-3782']);
    expect(r.advisories[0]!.cvss?.score).toBe(6.6);
  });

  it('withdrawn records are counted, not read', () => {
    const r = readOsvJson(text('osv/ubuntu/UBUNTU-CVE-2013-2208.json'), 'w');
    expect(r.advisories).toEqual([]);
    expect(r.skipped).toEqual({ withdrawn: 1 });
  });

  it('AlmaLinux and Rocky: binary names, CVEs in related, severity from the summary, epochs kept', () => {
    const alma = readOsvJson(text('osv/almalinux/almalinux9_ALSA-2022:8194.json'), 'a');
    expect(alma.advisories).toHaveLength(1);
    const a = alma.advisories[0]!;
    expect(a.key).toEqual({ family: 'almalinux', release: '9' });
    expect(a.severity).toBe('moderate');
    expect(a.cves).toHaveLength(10);
    expect(a.cves[0]).toBe('CVE-2022-0561');
    expect(a.packages.map((p) => p.name)).toEqual(['libtiff', 'libtiff-devel', 'libtiff-tools']);
    const rocky = readOsvJson(text('osv/rocky/RLSA-2021_3891.json'), 'r').advisories[0]!;
    expect(rocky.key).toEqual({ family: 'rocky', release: '8' });
    expect(rocky.packages[0]!.ranges[0]![1]).toEqual({ kind: 'fixed', version: '1:11.0.13.0.8-1.el8_4' });
    expect(rocky.cvss?.score).toBeGreaterThan(0);
    const alba = readOsvJson(text('osv/almalinux/almalinux8_ALBA-2021:4378.json'), 'b');
    expect(alba.advisories).toEqual([]);
    expect(alba.skipped).toEqual({ 'not a security advisory': 1 });
  });

  it('Debian JSONL: every line read, CVEs from upstream', () => {
    const r = readOsvJsonl(text('debian12/linux-kernel-subset-derived-osv.jsonl'), 'k.jsonl');
    expect(r.errors).toEqual([]);
    expect(r.records).toBe(30);
    expect(r.advisories).toHaveLength(30);
    expect(r.advisories.every((a) => a.packages[0]!.name === 'linux' && a.cves.length === 1)).toBe(true);
  });

  it('Debian urgency and end-of-life are read from ecosystem_specific', () => {
    const rec = {
      id: 'DEBIAN-CVE-2099-1',
      upstream: ['CVE-2099-1'],
      affected: [
        {
          package: { ecosystem: 'Debian:11', name: 'foo' },
          ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }] }],
          ecosystem_specific: { urgency: 'end-of-life' },
        },
        {
          package: { ecosystem: 'Debian:12', name: 'foo' },
          ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1.2-1' }] }],
          ecosystem_specific: { urgency: 'low**' },
        },
        {
          package: { ecosystem: 'PyPI', name: 'foo' },
          ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }] }],
        },
      ],
    };
    const r = readOsvValue(rec, 'x');
    const d11 = r.advisories.find((a) => a.key.release === '11')!;
    const d12 = r.advisories.find((a) => a.key.release === '12')!;
    expect(d11.packages[0]!.wontFix).toBe(true);
    expect(d11.severity).toBeUndefined();
    expect(d12.severity).toBe('low');
    expect(d12.packages[0]!.wontFix).toBe(false);
    expect(r.skipped).toEqual({ 'other ecosystem (PyPI)': 1 });
  });

  it('reports bad records with the record id and the path of the problem', () => {
    const bad = readOsvValue(
      {
        id: 'DEBIAN-CVE-2099-2',
        affected: [
          {
            package: { ecosystem: 'Debian:12', name: 'x' },
            ranges: [{ type: 'ECOSYSTEM', events: [{ fixd: '1' }] }],
          },
        ],
      },
      'bad.json',
    );
    expect(bad.advisories).toEqual([]);
    expect(bad.errors).toHaveLength(1);
    expect(bad.errors[0]!.source).toBe('bad.json');
    expect(bad.errors[0]!.message).toMatch(/DEBIAN-CVE-2099-2 is invalid: affected\.0\.ranges\.0\.events\.0/);
    const noId = readOsvValue({ affected: [] }, 'n.json');
    expect(noId.errors[0]!.message).toMatch(/\(no id\) is invalid: id/);
    const lines = readOsvJsonl('{"id":"A","affected":[]}\nnot json\n\n', 'l.jsonl');
    expect(lines.records).toBe(2);
    expect(lines.errors).toEqual([{ source: 'l.jsonl:2', message: expect.stringMatching(/^not JSON/) }]);
    const empty = readOsvValue(
      {
        id: 'X-1',
        affected: [
          {
            package: { ecosystem: 'Debian:12', name: 'x' },
            ranges: [{ type: 'GIT', events: [{ introduced: 'abc' }] }],
          },
        ],
      },
      'g.json',
    );
    expect(empty.errors[0]!.message).toMatch(/neither an ECOSYSTEM range nor versions/);
  });

  it('reports an ECOSYSTEM range without an introduced event instead of reading it as "never affected"', () => {
    const r = readOsvValue(
      {
        id: 'DEBIAN-CVE-2099-3',
        affected: [
          {
            package: { ecosystem: 'Debian:12', name: 'x' },
            ranges: [{ type: 'ECOSYSTEM', events: [{ fixed: '1.2-1' }] }],
          },
          {
            package: { ecosystem: 'Debian:12', name: 'y' },
            ranges: [
              { type: 'ECOSYSTEM', events: [{ fixed: '2.0-1' }] },
              { type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '2.1-1' }] },
            ],
          },
        ],
      },
      'r.json',
    );
    expect(r.errors.map((e) => [e.source, e.message])).toEqual([
      [
        'DEBIAN-CVE-2099-3 affected[0]',
        expect.stringMatching(/Debian:12 x has an ECOSYSTEM range without an "introduced" event/),
      ],
      ['DEBIAN-CVE-2099-3 affected[1]', expect.stringMatching(/Debian:12 y has an ECOSYSTEM range without/)],
    ]);
    // The valid range of y is kept; x has nothing left and is not listed.
    expect(r.advisories.flatMap((a) => a.packages.map((p) => [p.name, p.ranges]))).toEqual([
      [
        'y',
        [
          [
            { kind: 'introduced', version: '0' },
            { kind: 'fixed', version: '2.1-1' },
          ],
        ],
      ],
    ]);
  });
});

describe('Amazon Linux updateinfo reader on real files', () => {
  it('AL2023: binaries per arch, fixed EVR, severity, CVE references', () => {
    const r = readUpdateinfo(gz('amazon/vlu_updateinfo_AL2023.xml.gz'), 'al2023');
    expect(r.errors).toEqual([]);
    expect(r.advisories).toHaveLength(1);
    const a = r.advisories[0]!;
    expect(a.id).toBe('ALAS2023-2023-001');
    expect(a.key).toEqual({ family: 'amazon', release: '2023' });
    expect(a.severity).toBe('important');
    expect(a.cves).toEqual(['CVE-2014-3634', 'CVE-2022-24903']);
    const rsyslog = a.packages.find((p) => p.name === 'rsyslog')!;
    expect(rsyslog.arches.sort()).toEqual(['aarch64', 'i686', 'x86_64']);
    expect(rsyslog.ranges).toEqual([
      [
        { kind: 'introduced', version: '0' },
        { kind: 'fixed', version: '8.2204.0-3.amzn2023.0.2' },
      ],
    ]);
    expect(a.packages.find((p) => p.name === 'rsyslog-doc')!.arches).toEqual(['noarch']);
    expect(a.references[0]).toBe('https://alas.aws.amazon.com/AL2023/ALAS2023-2023-001.html');
  });

  it('AL2: epochs in the fixed EVR; AL2022 by id', () => {
    const r = readUpdateinfo(gz('amazon/vlu_updateinfo_2_items.xml.gz'), 'al2');
    expect(r.advisories.map((a) => a.id)).toEqual(['ALAS2-2018-942', 'ALAS2-2018-949']);
    const qemu = r.advisories[0]!.packages.find((p) => p.name === 'qemu-kvm')!;
    expect(qemu.ranges[0]![1]).toEqual({ kind: 'fixed', version: '10:1.5.3-141.amzn2.5.3' });
    expect(r.advisories[0]!.key.release).toBe('2');
    const k = readUpdateinfo(gz('amazon/vlu_updateinfo_1_item.xml.gz'), 'k').advisories[0]!;
    expect(k.severity).toBe('critical');
    expect(k.packages.map((p) => p.name)).toContain('kernel-headers');
    const al2022 = readUpdateinfo(gz('amazon/vlu_updateinfo_AL2022.xml.gz'), 'x').advisories[0]!;
    expect(al2022.key.release).toBe('2022');
  });

  it('AL2 Extras ids carry the topic and a version stream', () => {
    expect(alasRelease('ALAS2KERNEL-5.10-2022-001')).toEqual({
      key: { family: 'amazon', release: '2' },
      extra: 'KERNEL-5.10',
    });
    expect(alasRelease('ALAS2NGINX1-2023-004')?.extra).toBe('NGINX1');
    expect(alasRelease('ALAS-2019-1234')?.key.release).toBe('1');
    const xml = `<updates><update type="security"><id>ALAS2KERNEL-5.10-2022-001</id><severity>important</severity>
      <references><reference type="cve" id="CVE-2022-0001" href="x"/></references>
      <pkglist><collection short="amazon-linux-2"><package name="kernel" epoch="0" version="5.10.93" release="87.444.amzn2" arch="x86_64"/></collection></pkglist></update></updates>`;
    const a = readUpdateinfo(xml, 'x').advisories[0]!;
    expect(a.packages[0]!.stream).toBe('5.10');
  });

  it('reports malformed XML, bugfix updates and packages without a version', () => {
    expect(readUpdateinfo('<updates><update>', 'x').errors[0]!.message).toMatch(/unclosed element <update>/);
    const mixed = readUpdateinfo(
      `<updates><update type="bugfix"><id>ALAS2-2020-1</id></update><update type="security"><id>ALAS2-2020-2</id><pkglist><collection><package name="a" arch="x86_64" release="1"/></collection></pkglist></update></updates>`,
      'm.xml',
    );
    expect(mixed.skipped).toEqual({ 'updateinfo type bugfix': 1 });
    expect(mixed.errors).toEqual([
      { source: 'm.xml update[1]', message: expect.stringMatching(/ALAS2-2020-2: <package> version/) },
    ]);
  });

  it('repomd names the updateinfo location', () => {
    expect(updateinfoLocation(text('amazon/vlu_repomd_valid.xml'))).toMatch(/updateinfo\.xml\.gz$/);
  });

  it('the XML reader decodes entities and refuses mismatched tags', () => {
    const el = parseXml(
      '<?xml version="1.0"?><a x="1 &amp; 2"><b>&lt;&#65;&#x42;&gt;</b><![CDATA[<raw>]]></a>',
    );
    expect(el.attrs.x).toBe('1 & 2');
    expect(el.children[0]!.text).toBe('<AB>');
    expect(el.text).toBe('<raw>');
    expect(() => parseXml('<a><b></a>')).toThrow(XmlError);
  });
});

describe('KEV and EPSS readers on real files', () => {
  it('reads the KEV catalogue', () => {
    const value: unknown = JSON.parse(text('kev/known_exploited_vulnerabilities.json'));
    expect(looksLikeKev(value)).toBe(true);
    const r = readKev(value, 'kev');
    expect(r.errors).toEqual([]);
    expect(r.catalog?.catalogVersion).toBe('2025.08.25');
    expect(r.catalog?.entries).toHaveLength(1404);
    expect(r.catalog?.entries.find((e) => e.cve === 'CVE-2025-48384')).toEqual({
      cve: 'CVE-2025-48384',
      dateAdded: '2025-08-25',
      dueDate: '2025-09-15',
      knownRansomwareCampaignUse: 'Unknown',
      vulnerabilityName: 'Git Link Following Vulnerability',
    });
    const bad = readKev(
      {
        catalogVersion: 'x',
        vulnerabilities: [{ cveID: 'nope', dateAdded: '2020-01-01', dueDate: '2020-01-02' }],
      },
      'k',
    );
    expect(bad.errors[0]!.message).toMatch(/cveID: must be a CVE id/);
  });

  it('reads EPSS with its model comment line', () => {
    const t = text('epss/vunnel_example-1.csv');
    expect(looksLikeEpss(t)).toBe(true);
    const r = readEpss(t, 'epss.csv');
    expect(r.errors).toEqual([]);
    expect(r.scores?.modelVersion).toBe('v2023.03.01');
    expect(r.scores?.scoreDate).toBe('2025-02-20T00:00:00+0000');
    expect(epssLookup(r.scores!, 'CVE-1999-0005')).toEqual({ score: 0.91963, percentile: 0.99214 });
    expect(epssLookup(r.scores!, 'CVE-2000-0001')).toBeUndefined();
    const bad = readEpss('cve,epss,percentile\nCVE-2020-1,2,0.5\n', 'b.csv');
    expect(bad.errors).toEqual([
      { source: 'b.csv:2', message: expect.stringMatching(/EPSS row is invalid/) },
    ]);
  });
});
