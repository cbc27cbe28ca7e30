/**
 * Synthetic feed exports in the official formats, at the real sources' record counts and sizes (FULL_SIZE),
 * or scaled down for tests: OSV all.zip per ecosystem (one JSON file per record, deflated, zip64 past 65,535
 * entries as real writers do), Amazon Linux updateinfo.xml.gz, CISA KEV JSON, FIRST EPSS CSV.gz. Records are
 * shaped like the real ones the fixtures carry (test/fixtures/cve): Debian records with one affected entry
 * per release and the enumerated `versions` OSV.dev adds, Ubuntu records with Pro and FIPS streams and
 * `ecosystem_specific.binaries`, AlmaLinux/Rocky errata naming binary rpms. Deterministic (seeded PRNG).
 * Ids use years 2000-2026 and numbers >= 100000 (CVE-2099-* is the fixtures' test space; these never clash).
 *
 * Used by bench/feed-sync.ts (full size) and the feed tests (a few hundred records of each).
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { crc32, deflateRawSync, gzipSync } from 'node:zlib';
import { seededRandom } from './seeded-random';

/**
 * Record counts and sizes of the real exports, and where each figure comes from. "verified" = read in a
 * public source (cited); "estimate" = could not be verified here, chosen on the high side.
 */
export const FULL_SIZE = {
  /**
   * OSV Debian/all.zip. At least 30,531 records (verified: google/osv.dev#5587, 30,531 Debian records were
   * modified on 2026-06-15 alone, with ~3.7M affected rows, i.e. ~120 affected versions per record).
   * Total estimate 100,000: one DEBIAN-CVE record per CVE with a Debian package (the tracker's) plus
   * ~6,000 DSA and ~4,500 DLA. Record size estimate ~2.7 KB (one affected entry per release, each with an
   * ECOSYSTEM range and the ~35 enumerated versions). Over 65,535 records: the zip needs zip64.
   */
  debian: { records: 100_000, ecosystem: 'Debian' },
  /**
   * OSV Ubuntu/all.zip (UBUNTU-CVE, USN and LSN records). Estimate 60,000 records ("tens of thousands of
   * CVEs", anchore/vunnel src/vunnel/providers/ubuntu/README.md; Canonical's own osv-all.tar.xz is "a 100 MB
   * download", same file). Mean record ~11 KB (the mean of the 9 real Ubuntu records in the fixtures is
   * 10.8 KB; kernel CVEs list dozens of kernel flavours and reach 60 KB and more).
   */
  ubuntu: { records: 60_000, ecosystem: 'Ubuntu' },
  /**
   * OSV AlmaLinux/all.zip: 5,680 records, 35.5 MB of JSON (verified: AlmaLinux/osv-database at 948f47a,
   * 2026-08-21, 3,237 almalinux8 + 1,783 almalinux9 + 660 almalinux10 files); all.zip 3.7 MiB
   * (google/osv-scanner#2014, gsutil output).
   */
  almalinux: { records: 5_680, ecosystem: 'AlmaLinux' },
  /** OSV Rocky Linux/all.zip: estimate 6,000 records (~3.3 KB each, as the fixture errata), not verified. */
  rocky: { records: 6_000, ecosystem: 'Rocky Linux' },
  /**
   * OSV Alpine/all.zip: 11.8 MiB (verified: google/osv-scanner#2014); records estimate 24,000 (~500 bytes
   * each compressed), not verified.
   */
  alpine: { records: 24_000, ecosystem: 'Alpine' },
  /** Amazon Linux 2 core updateinfo.xml.gz: estimate 4,000 updates (ALAS2 + Extras), not verified. */
  al2: { updates: 4_000 },
  /** Amazon Linux 2023 updateinfo.xml.gz: estimate 2,000 updates, not verified. */
  al2023: { updates: 2_000 },
  /** CISA KEV: 1,404 entries in catalogue 2025.08.25 (verified: the fixture); ~1,600 by late 2026. */
  kev: { entries: 1_600 },
  /**
   * FIRST EPSS scores: ~240,000 rows in May 2026 (epss.cr.hahwul.com, "the current feed is ~240k rows") and
   * ~326,000 in April 2026 (bensevern.dev, 2026-04-10); the higher, rounded up: 330,000.
   */
  epss: { rows: 330_000 },
} as const;

/** Deterministic PRNG: the tests' mulberry32 (seeded-random.ts) as a plain function. */
export const rng = (seed: number): (() => number) => seededRandom(seed).next;

type R = () => number;
const int = (r: R, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
const pick = <T>(r: R, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
/** Skewed towards 0 (a few packages carry most CVEs, as linux and chromium do). */
const skewed = (r: R, n: number) => Math.floor(r() ** 2.5 * n);

const WORDS = (
  'a flaw was found in the handling of crafted input that could allow a remote attacker to cause a denial ' +
  'of service or possibly execute arbitrary code via a buffer overflow in the parser when processing ' +
  'malformed packets certificates headers archives images fonts or configuration files'
).split(' ');
const prose = (r: R, words: number) => Array.from({ length: words }, () => pick(r, WORDS)).join(' ');
const cveOf = (i: number) => `CVE-${2000 + (i % 27)}-${100000 + i}`;
const date = (r: R) =>
  `20${String(int(r, 10, 26)).padStart(2, '0')}-${String(int(r, 1, 12)).padStart(2, '0')}-${String(int(r, 1, 28)).padStart(2, '0')}T00:00:00Z`;
const debVersion = (r: R, pkg: number, k: number) =>
  `${pkg % 5 === 0 ? '1:' : ''}${1 + (pkg % 9)}.${k}.${int(r, 0, 20)}-${int(r, 1, 9)}`;

/** One Debian OSV record (DEBIAN-CVE-*, DSA-*, DLA-*) as OSV.dev exports them. */
export function debianRecord(i: number, r: R): { id: string; json: string } {
  const kind = r();
  const cve = cveOf(i);
  const id = kind < 0.06 ? `DSA-${6000 + i}-1` : kind < 0.11 ? `DLA-${5000 + i}-1` : `DEBIAN-${cve}`;
  const src = skewed(r, 12_000);
  const releases = id.startsWith('DEBIAN-')
    ? ['11', '12', '13', '14'].filter(() => r() < 0.8)
    : [pick(r, ['10', '11', '12', '13'])];
  if (releases.length === 0) releases.push('12');
  const affected = releases.map((rel) => {
    const nver = int(r, 10, 60);
    const fixed = r() < 0.85 ? debVersion(r, src, 9) : undefined;
    return {
      package: {
        name: `src${src}`,
        ecosystem: `Debian:${rel}`,
        purl: `pkg:deb/debian/src${src}?arch=source`,
      },
      ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, ...(fixed ? [{ fixed }] : [])] }],
      versions: Array.from({ length: nver }, (_, k) => debVersion(r, src, k % 9)),
      database_specific: { urgency: pick(r, ['low', 'medium', 'high', 'not yet assigned', 'unimportant']) },
    };
  });
  const rec = {
    schema_version: '1.7.0',
    id,
    modified: date(r),
    published: date(r),
    upstream: [cve],
    details: prose(r, int(r, 60, 160)),
    affected,
    references: [{ type: 'ADVISORY', url: `https://security-tracker.debian.org/tracker/${cve}` }],
  };
  return { id, json: JSON.stringify(rec) };
}

const UBUNTU_ECOSYSTEMS = [
  'Ubuntu:14.04:LTS',
  'Ubuntu:16.04:LTS',
  'Ubuntu:18.04:LTS',
  'Ubuntu:20.04:LTS',
  'Ubuntu:22.04:LTS',
  'Ubuntu:24.04:LTS',
  'Ubuntu:25.10',
  'Ubuntu:26.04:LTS',
  'Ubuntu:Pro:14.04:LTS',
  'Ubuntu:Pro:16.04:LTS',
  'Ubuntu:Pro:18.04:LTS',
  'Ubuntu:Pro:20.04:LTS',
  'Ubuntu:Pro:22.04:LTS',
  'Ubuntu:Pro:24.04:LTS',
  'Ubuntu:Pro:FIPS-updates:20.04:LTS',
  'Ubuntu:Pro:FIPS-updates:22.04:LTS',
];

/** One Ubuntu OSV record (UBUNTU-CVE-*, USN-*, LSN-*) in Canonical's shape. */
export function ubuntuRecord(i: number, r: R): { id: string; json: string } {
  const kind = r();
  const cve = cveOf(i);
  const id = kind < 0.13 ? `USN-${8000 + i}-1` : kind < 0.15 ? `LSN-${1000 + i}-1` : `UBUNTU-${cve}`;
  // One in twelve is a kernel-like record: the same CVE against dozens of source packages (kernel flavours).
  const sources = r() < 0.08 ? int(r, 8, 32) : int(r, 1, 2);
  const affected: object[] = [];
  const base = skewed(r, 9_000);
  for (let s = 0; s < sources; s++) {
    const name = `usrc${base + s}`;
    for (const eco of UBUNTU_ECOSYSTEMS) {
      if (r() > (sources > 2 ? 0.25 : 0.45)) continue;
      const fixed =
        r() < 0.8 ? `${1 + (s % 7)}.${int(r, 0, 30)}-${int(r, 1, 9)}ubuntu0.${int(r, 1, 9)}` : undefined;
      affected.push({
        package: { ecosystem: eco, name, purl: `pkg:deb/ubuntu/${name}?arch=source` },
        ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, ...(fixed ? [{ fixed }] : [])] }],
        versions: Array.from({ length: int(r, 2, 14) }, (_, k) => `${1 + (s % 7)}.${k}.${int(r, 0, 9)}-1`),
        ecosystem_specific: {
          binaries: Array.from({ length: int(r, 1, 8) }, (_, k) => ({
            binary_name: `lib${name}-${k}`,
            binary_version: fixed ?? '0',
          })),
          availability: eco.includes(':Pro:')
            ? 'Available with Ubuntu Pro: https://ubuntu.com/pro'
            : 'No subscription required',
        },
      });
    }
  }
  if (affected.length === 0)
    affected.push({
      package: { ecosystem: 'Ubuntu:24.04:LTS', name: `usrc${base}` },
      ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }] }],
    });
  const rec = {
    schema_version: '1.7.0',
    id,
    details: prose(r, int(r, 30, 120)),
    aliases: [],
    upstream: id.startsWith('UBUNTU-') ? [cve] : [`UBUNTU-${cve}`],
    severity: [
      { type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' },
      { type: 'Ubuntu', score: pick(r, ['negligible', 'low', 'medium', 'high', 'critical']) },
    ],
    published: date(r),
    modified: date(r),
    affected,
    references: [{ type: 'REPORT', url: `https://ubuntu.com/security/${cve}` }],
  };
  return { id, json: JSON.stringify(rec) };
}

/** One AlmaLinux or Rocky Linux erratum naming binary rpms (ALSA-/RLSA-). */
export function rpmErratumRecord(
  family: 'AlmaLinux' | 'Rocky Linux',
  i: number,
  r: R,
): { id: string; json: string } {
  const prefix = family === 'AlmaLinux' ? 'ALSA' : 'RLSA';
  const rel = pick(r, family === 'AlmaLinux' ? ['8', '8', '9', '9', '10'] : ['8', '9']);
  const id = `${prefix}-${2019 + (i % 8)}:${100000 + i}`;
  const pkg = `rpm${skewed(r, 4_000)}`;
  const fixed = `${int(r, 1, 9)}.${int(r, 0, 40)}.${int(r, 0, 9)}-${int(r, 1, 30)}.el${rel}_${int(r, 0, 6)}`;
  const nbin = family === 'AlmaLinux' ? int(r, 6, 60) : int(r, 4, 28);
  const cves = Array.from({ length: int(r, 1, 6) }, (_, k) => cveOf(i * 7 + k));
  const rec = {
    schema_version: '1.7.0',
    id,
    summary: `Important: ${pkg} security update`,
    details: prose(r, int(r, 20, 80)),
    published: date(r),
    modified: date(r),
    related: cves,
    affected: Array.from({ length: nbin }, (_, k) => ({
      package: { ecosystem: `${family}:${rel}`, name: k === 0 ? pkg : `${pkg}-sub${k}` },
      ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed }] }],
    })),
    references: [
      { type: 'ADVISORY', url: `https://errata.example/${id}.html` },
      ...cves.map((c) => ({ type: 'REPORT', url: `https://access.redhat.com/security/cve/${c}` })),
    ],
  };
  return { id, json: JSON.stringify(rec) };
}

/** One Alpine secdb-derived OSV record (ALPINE-CVE-*). */
export function alpineRecord(i: number, r: R): { id: string; json: string } {
  const cve = cveOf(i);
  const id = `ALPINE-${cve}`;
  const name = `apk${skewed(r, 3_000)}`;
  const releases = ['v3.18', 'v3.19', 'v3.20', 'v3.21', 'v3.22'].filter(() => r() < 0.35);
  if (releases.length === 0) releases.push('v3.20');
  const rec = {
    schema_version: '1.7.0',
    id,
    modified: date(r),
    published: date(r),
    upstream: [cve],
    details: prose(r, int(r, 10, 30)),
    affected: releases.map((rel) => ({
      package: { ecosystem: `Alpine:${rel}`, name },
      ranges: [
        {
          type: 'ECOSYSTEM',
          events: [{ introduced: '0' }, { fixed: `${int(r, 1, 9)}.${int(r, 0, 20)}-r${int(r, 0, 9)}` }],
        },
      ],
    })),
  };
  return { id, json: JSON.stringify(rec) };
}

export interface ZipStats {
  entries: number;
  bytes: number;
  uncompressed: number;
  zip64: boolean;
}

/**
 * Writes a zip of `entries` (deflated, as OSV's exporter does) to `file`, one entry at a time (nothing but the
 * central directory is held). Zip64 end records when there are more than 65,535 entries or when asked.
 */
export function writeZipFile(
  file: string,
  entries: Iterable<{ name: string; data: Buffer }>,
  opts: { forceZip64?: boolean } = {},
): ZipStats {
  const fd = openSync(file, 'w');
  const central: Buffer[] = [];
  let offset = 0;
  let count = 0;
  let uncompressed = 0;
  const write = (b: Buffer) => {
    writeSync(fd, b);
    offset += b.length;
  };
  try {
    for (const e of entries) {
      const name = Buffer.from(e.name, 'utf8');
      const data = deflateRawSync(e.data);
      const crc = crc32(e.data);
      const at = offset;
      const lfh = Buffer.alloc(30);
      lfh.writeUInt32LE(0x04034b50, 0);
      lfh.writeUInt16LE(20, 4);
      lfh.writeUInt16LE(0x0800, 6);
      lfh.writeUInt16LE(8, 8);
      lfh.writeUInt32LE(crc, 14);
      lfh.writeUInt32LE(data.length, 18);
      lfh.writeUInt32LE(e.data.length, 22);
      lfh.writeUInt16LE(name.length, 26);
      write(lfh);
      write(name);
      write(data);
      const cdh = Buffer.alloc(46);
      cdh.writeUInt32LE(0x02014b50, 0);
      cdh.writeUInt16LE(45, 4);
      cdh.writeUInt16LE(20, 6);
      cdh.writeUInt16LE(0x0800, 8);
      cdh.writeUInt16LE(8, 10);
      cdh.writeUInt32LE(crc, 16);
      cdh.writeUInt32LE(data.length, 20);
      cdh.writeUInt32LE(e.data.length, 24);
      cdh.writeUInt16LE(name.length, 28);
      cdh.writeUInt32LE(at, 42);
      central.push(cdh, name);
      count++;
      uncompressed += e.data.length;
    }
    const cdOffset = offset;
    const cd = Buffer.concat(central);
    write(cd);
    const zip64 = opts.forceZip64 === true || count > 0xffff;
    if (zip64) {
      const rec = Buffer.alloc(56);
      rec.writeUInt32LE(0x06064b50, 0);
      rec.writeBigUInt64LE(44n, 4);
      rec.writeUInt16LE(45, 12);
      rec.writeUInt16LE(45, 14);
      rec.writeBigUInt64LE(BigInt(count), 24);
      rec.writeBigUInt64LE(BigInt(count), 32);
      rec.writeBigUInt64LE(BigInt(cd.length), 40);
      rec.writeBigUInt64LE(BigInt(cdOffset), 48);
      const recAt = offset;
      write(rec);
      const loc = Buffer.alloc(20);
      loc.writeUInt32LE(0x07064b50, 0);
      loc.writeBigUInt64LE(BigInt(recAt), 8);
      loc.writeUInt32LE(1, 16);
      write(loc);
    }
    const eocd = Buffer.alloc(22);
    eocd.writeUInt32LE(0x06054b50, 0);
    eocd.writeUInt16LE(zip64 ? 0xffff : count, 8);
    eocd.writeUInt16LE(zip64 ? 0xffff : count, 10);
    eocd.writeUInt32LE(cd.length, 12);
    eocd.writeUInt32LE(cdOffset, 16);
    write(eocd);
  } finally {
    closeSync(fd);
  }
  return { entries: count, bytes: offset, uncompressed, zip64: opts.forceZip64 === true || count > 0xffff };
}

type Gen = (i: number, r: R) => { id: string; json: string };
export const OSV_GENERATORS: Record<'debian' | 'ubuntu' | 'almalinux' | 'rocky' | 'alpine', Gen> = {
  debian: debianRecord,
  ubuntu: ubuntuRecord,
  almalinux: (i, r) => rpmErratumRecord('AlmaLinux', i, r),
  rocky: (i, r) => rpmErratumRecord('Rocky Linux', i, r),
  alpine: alpineRecord,
};

/** `n` records of one ecosystem as zip entries (`<id>.json`), generated lazily. */
export function* osvEntries(gen: Gen, n: number, seed: number): Generator<{ name: string; data: Buffer }> {
  const r = rng(seed);
  for (let i = 0; i < n; i++) {
    const { id, json } = gen(i, r);
    yield { name: `${id}.json`, data: Buffer.from(json) };
  }
}

const ARCHES = ['x86_64', 'aarch64', 'i686', 'src', 'noarch'];

/** An Amazon Linux updateinfo.xml.gz with `n` security updates in the repository's format. */
export function updateinfoGz(release: '2' | '2023', n: number, seed: number): { gz: Buffer; xml: number } {
  const r = rng(seed);
  const short = release === '2' ? 'amazon-linux-2' : 'amazon-linux-2023';
  const prefix = release === '2' ? 'ALAS2' : 'ALAS2023';
  const dist = release === '2' ? 'amzn2' : 'amzn2023';
  const parts: string[] = ['<?xml version="1.0" ?>\n<updates>'];
  for (let i = 0; i < n; i++) {
    const pkg = `rpm${skewed(r, 3_000)}`;
    const cves = Array.from({ length: int(r, 1, 8) }, (_, k) => cveOf(i * 11 + k));
    const ver = `${int(r, 1, 9)}.${int(r, 0, 30)}.${int(r, 0, 9)}`;
    const rel = `${int(r, 1, 40)}.${dist}.0.${int(r, 1, 9)}`;
    const sev = pick(r, ['Critical', 'Important', 'Medium', 'Low']);
    const pkgs: string[] = [];
    const nbin = int(r, 1, 8);
    for (const arch of ARCHES.filter(() => r() < 0.7)) {
      for (let b = 0; b < nbin; b++) {
        const name = b === 0 ? pkg : `${pkg}-sub${b}`;
        pkgs.push(
          `<package name="${name}" version="${ver}" release="${rel}" epoch="0" arch="${arch}"><filename>Packages/${name}-${ver}-${rel}.${arch}.rpm</filename></package>`,
        );
      }
    }
    if (pkgs.length === 0)
      pkgs.push(
        `<package name="${pkg}" version="${ver}" release="${rel}" epoch="0" arch="x86_64"><filename>Packages/${pkg}-${ver}-${rel}.x86_64.rpm</filename></package>`,
      );
    parts.push(
      `<update status="final" version="1.4" author="linux-security@amazon.com" type="security" from="linux-security@amazon.com"><id>${prefix}-${2018 + (i % 9)}-${100000 + i}</id><title>Amazon Linux ${release} - ${prefix}-${100000 + i}: ${sev} priority package update for ${pkg}</title><issued date="2024-01-01 00:00" /><updated date="2024-01-02 00:00" /><severity>${sev}</severity><description>Package updates are available for Amazon Linux ${release} that fix the following vulnerabilities:\n${cves.map((c) => `${c}:\n\t${prose(r, int(r, 15, 45))}\n`).join('\n')}</description><references>${cves.map((c) => `<reference href="https://cve.example/${c}" title="" id="${c}" type="cve" />`).join('')}</references><pkglist><collection short="${short}"><name>Amazon Linux ${release}</name>${pkgs.join('')}</collection></pkglist></update>`,
    );
  }
  parts.push('</updates>\n');
  const xml = Buffer.from(parts.join('\n'));
  return { gz: gzipSync(xml), xml: xml.length };
}

/** A CISA KEV catalogue of `n` entries (the real file's fields). */
export function kevJson(n: number): Buffer {
  const vulnerabilities = Array.from({ length: n }, (_, i) => ({
    cveID: cveOf(i * 13),
    vendorProject: `Vendor ${i % 200}`,
    product: `Product ${i % 700}`,
    vulnerabilityName: `Product ${i % 700} ${pick(rng(i), WORDS)} Vulnerability`,
    dateAdded: '2025-01-01',
    shortDescription: prose(rng(i + 1), 60),
    requiredAction: 'Apply mitigations per vendor instructions or discontinue use of the product.',
    dueDate: '2025-01-22',
    knownRansomwareCampaignUse: i % 9 === 0 ? 'Known' : 'Unknown',
    notes: `https://nvd.nist.gov/vuln/detail/${cveOf(i * 13)}`,
    cwes: ['CWE-787'],
  }));
  return Buffer.from(
    JSON.stringify({
      title: 'CISA Catalog of Known Exploited Vulnerabilities',
      catalogVersion: '2026.11.30',
      dateReleased: '2026-11-30T00:00:00.000Z',
      count: n,
      vulnerabilities,
    }),
  );
}

/** A FIRST EPSS score file of `n` rows, gzipped, with the real comment line and header. */
export function epssCsvGz(n: number, seed: number): { gz: Buffer; csv: number } {
  const r = rng(seed);
  const rows = ['#model_version:v2025.03.14,score_date:2026-11-30T00:00:00+0000', 'cve,epss,percentile'];
  for (let i = 0; i < n; i++) rows.push(`${cveOf(i)},${r().toFixed(5)},${r().toFixed(5)}`);
  const csv = Buffer.from(`${rows.join('\n')}\n`);
  return { gz: gzipSync(csv), csv: csv.length };
}
