/**
 * A reproducible host with many CVE findings (bench/assess-memory.ts, the assess output tests): a compiled
 * Debian 12 feed of SOURCES synthetic source packages with PER_SOURCE advisories each (a summary of ~100 words,
 * 3 references, a CVSS vector on a third), every one fixed after the installed version, with the Debian
 * tracker's urgencies and CVE_SCORES CVSS scores; and a telemetry document (Debian 12, dpkg status) with the
 * first k source packages installed (two binary packages each): k × PER_SOURCE findings. Deterministic.
 */
import type { Telemetry } from '../../functions/core/telemetry';
import { TELEMETRY_SCHEMA_VERSION } from '../../functions/core/telemetry';
import { CveScoreCollector, type CvssVersion, scoreRank } from '../../functions/feeds/cve-scores';
import { DebianUrgencyBuilder } from '../../functions/feeds/debian-urgency';
import type { Advisory, ReleaseKey } from '../../functions/feeds/model';
import { writeBundle } from '../../functions/feeds/store';
import { seededRandom } from './seeded-random';

export const SOURCES = 800;
export const PER_SOURCE = 10;
export const CVE_SCORES = 250_000;
const KEY: ReleaseKey = { family: 'debian', release: '12' };

const rng = (seed: number): (() => number) => seededRandom(seed).next;
const src = (i: number) => `bench-src${i}`;
const installed = (i: number) => `${1 + (i % 7)}.${i % 13}.${i % 5}-${1 + (i % 3)}+deb12u1`;
const cveOf = (i: number, k: number) => `CVE-${2015 + (k % 11)}-${100000 + i * PER_SOURCE + k}`;

const WORDS = (
  'a flaw was found in the handling of crafted input that could allow a remote attacker to cause a denial ' +
  'of service or possibly execute arbitrary code via a buffer overflow in the parser when processing ' +
  'malformed packets certificates headers archives images fonts or configuration files'
).split(' ');

export function advisories(): Advisory[] {
  const r = rng(15);
  const out: Advisory[] = [];
  for (let i = 0; i < SOURCES; i++)
    for (let k = 0; k < PER_SOURCE; k++) {
      const cve = cveOf(i, k);
      const words = 60 + Math.floor(r() * 100);
      const adv: Advisory = {
        id: `DEBIAN-${cve}`,
        key: KEY,
        cves: [cve],
        severity: ['low', 'medium', 'high', 'unimportant'][(i + k) % 4]!,
        summary: Array.from({ length: words }, () => WORDS[Math.floor(r() * WORDS.length)]).join(' '),
        references: [
          `https://security-tracker.debian.org/tracker/${cve}`,
          `https://www.cve.org/CVERecord?id=${cve}`,
          `https://bugs.debian.org/${1000000 + i * PER_SOURCE + k}`,
        ],
        packages: [
          {
            name: src(i),
            ranges: [
              [
                { kind: 'introduced', version: '0' },
                { kind: 'fixed', version: installed(i).replace(/u1$/, `u${2 + k}`) },
              ],
            ],
            versions: [],
            arches: [],
            wontFix: false,
          },
        ],
      };
      if (k % 3 === 0)
        adv.cvss = { version: '3.1', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', score: 9.8 };
      out.push(adv);
    }
  return out;
}

/** CVE_SCORES NVD-like scores (bench/cve-severity.ts's mix), the benchmark's own CVEs among them. */
export function cveScores(): CveScoreCollector {
  const r = rng(11);
  const c = new CveScoreCollector();
  const pick = (xs: string[]) => xs[Math.floor(r() * xs.length)]!;
  const CIA = ['H', 'L', 'N'];
  for (let n = 0; n < CVE_SCORES; n++) {
    const cve =
      n < SOURCES * PER_SOURCE
        ? cveOf(Math.floor(n / PER_SOURCE), n % PER_SOURCE)
        : `CVE-${1999 + (n % 27)}-${300000 + n}`;
    const version: CvssVersion = r() < 0.85 ? '3.1' : '2.0';
    const vector =
      version === '3.1'
        ? `CVSS:3.1/AV:${pick(['N', 'A', 'L', 'P'])}/AC:${pick(['L', 'H'])}/PR:${pick(['N', 'L', 'H'])}/UI:${pick(['N', 'R'])}/S:${pick(['U', 'C'])}/C:${pick(CIA)}/I:${pick(CIA)}/A:${pick(CIA)}`
        : `AV:${pick(['N', 'A', 'L'])}/AC:${pick(['L', 'M', 'H'])}/Au:N/C:${pick(['N', 'P', 'C'])}/I:${pick(['N', 'P', 'C'])}/A:${pick(['N', 'P', 'C'])}`;
    c.add(cve, {
      version,
      vector,
      score: Math.round(r() * 100) / 10,
      by: 'NVD',
      rank: scoreRank('nvd', version),
    });
  }
  return c;
}

/** Debian tracker urgencies for the benchmark's (package, CVE) pairs and ~160,000 others, in 5 releases. */
export function urgencies(): DebianUrgencyBuilder {
  const b = new DebianUrgencyBuilder();
  const r = rng(7);
  const levels = ['unimportant', 'low', 'medium', 'high', 'low**', 'medium**'] as const;
  for (const rel of ['11', '12', '13', '14']) {
    for (let i = 0; i < SOURCES; i++)
      for (let k = 0; k < PER_SOURCE; k++) b.add(rel, src(i), cveOf(i, k), levels[(i + k) % levels.length]!);
    for (let n = 0; n < 32_000; n++)
      b.add(rel, `other${Math.floor(r() * 4500)}`, `CVE-${2005 + (n % 20)}-${200000 + n}`, levels[n % 6]!);
  }
  return b;
}

export function telemetryDoc(sources: number): Telemetry {
  const stanzas: string[] = [];
  for (let i = 0; i < sources; i++)
    for (const bin of [`lib${src(i)}`, `${src(i)}-utils`])
      stanzas.push(
        [
          `Package: ${bin}`,
          'Status: install ok installed',
          'Architecture: amd64',
          `Source: ${src(i)}`,
          `Version: ${installed(i)}`,
          'Description: synthetic',
        ].join('\n'),
      );
  stanzas.push(
    ['Package: base-files', 'Status: install ok installed', 'Architecture: amd64', 'Version: 12.4'].join(
      '\n',
    ),
  );
  const file = (content: string) => ({
    status: 'ok' as const,
    encoding: 'utf8' as const,
    content,
    size: content.length,
    mode: 0o644,
    uid: 0,
    gid: 0,
  });
  const now = new Date().toISOString();
  return {
    schemaVersion: TELEMETRY_SCHEMA_VERSION,
    agent: { name: 'bench', version: '0' },
    runId: 'bench-assess',
    instanceId: `i-bench-${sources}`,
    root: '/',
    collection: { startedAt: now, finishedAt: now, durationSeconds: 0 },
    host: { kernelName: 'Linux', kernelNameSource: 'proc', arch: 'x86_64', archSource: 'proc' },
    files: {
      '/etc/os-release': file('ID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n'),
      '/var/lib/dpkg/status': file(`${stanzas.join('\n\n')}\n`),
    },
    paths: {},
    commands: {},
    kernelParameters: {
      status: 'ok',
      values: { 'kernel.osrelease': '6.1.0-28-amd64', 'kernel.ostype': 'Linux' },
      unreadable: {},
    },
    samples: [],
    warnings: [],
  };
}

/** A data dir's compiled feed: the advisories, and the severity files unless `severity` is false. */
export async function writeManyFindingsFeed(dataDir: string, severity = true): Promise<void> {
  await writeBundle(dataDir, {
    read: { advisories: advisories(), errors: [], skipped: {}, records: SOURCES * PER_SOURCE },
    ...(severity ? { cvss: cveScores(), debianTracker: urgencies() } : {}),
  });
}
