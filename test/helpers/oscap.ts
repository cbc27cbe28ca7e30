/**
 * OpenSCAP (openscap-scanner 1.3.7 + ssg-debderived 0.1.65, Debian packages) as a reference for the cis
 * package: `oscap-chroot ROOT xccdf eval` on a fixture root, results read from the XCCDF results file.
 *
 * What OpenSCAP 1.3.7 needs to judge a directory tree (found by tracing its probes here):
 * - the Ubuntu content's platform check reads /etc/lsb-release (DISTRIB_ID=Ubuntu, DISTRIB_CODENAME=jammy);
 *   without it every rule is `notapplicable`;
 * - the dpkginfo probe opens the tree's dpkg database through libapt-pkg with `Dir` set to the root: it
 *   reads ROOT/var/lib/dpkg/status and needs ROOT/usr/share/dpkg/cputable and tupletable (dpkg's own
 *   tables, in every Debian/Ubuntu root) to know the architecture, or `dpkginfo_init` fails and every
 *   package test errs; and libapt-pkg reads the HOST's apt configuration first, where a Docker image's
 *   `docker-clean` sets `Dir::Cache::pkgcache ""` and the cache cannot be built: APT_CONFIG points at a file
 *   that moves `Dir::Etc::parts` to an empty directory;
 * - its sysctl, shadow and uname probes refuse offline mode (`Requested offline mode is not supported`) and
 *   its systemd probes ask the HOST's systemd over D-Bus (DBUS_SYSTEM_BUS_ADDRESS is pointed at no socket
 *   so they never judge the host's units): those rules come back error, unknown or notapplicable (see
 *   test/fixtures/cis-oscap/README.md).
 */
import { execFile, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const SSG_CONTENT = '/usr/share/xml/scap/ssg/content';
export const OSCAP_PROFILES = {
  'level1-server': 'xccdf_org.ssgproject.content_profile_cis_level1_server',
  'level2-server': 'xccdf_org.ssgproject.content_profile_cis_level2_server',
} as const;
export type OscapProfile = keyof typeof OSCAP_PROFILES;
export const RULE_PREFIX = 'xccdf_org.ssgproject.content_rule_';

/** XCCDF 1.2 rule results (section 6.6.4.2 of NIST IR 7275r4). */
export const XCCDF_RESULTS = [
  'pass',
  'fail',
  'error',
  'unknown',
  'notapplicable',
  'notchecked',
  'notselected',
  'informational',
  'fixed',
] as const;
export type XccdfResult = (typeof XCCDF_RESULTS)[number];

/** The data stream of a product (ubuntu2204 …), if the installed content has one. */
export function dataStream(product: string): string | undefined {
  const file = path.join(SSG_CONTENT, `ssg-${product}-ds.xml`);
  return existsSync(file) ? file : undefined;
}

/** Why OpenSCAP cannot run here, or undefined when oscap-chroot and the content are installed. */
export function oscapMissing(product: string): string | undefined {
  const probe = spawnSync('oscap-chroot', ['--help'], { stdio: 'ignore' });
  if (probe.error || probe.status !== 0)
    return 'oscap-chroot is not installed (Debian packages openscap-scanner, openscap-utils)';
  if (!dataStream(product))
    return `${path.join(SSG_CONTENT, `ssg-${product}-ds.xml`)} is missing (Debian package ssg-debderived)`;
  return undefined;
}

export async function oscapVersion(): Promise<string> {
  const { stdout } = await run('oscap', ['--version']);
  return stdout.split('\n')[0]?.trim() ?? '';
}

/** What an Ubuntu 22.04 root holds that OpenSCAP's platform check and dpkginfo probe read. */
export const UBUNTU2204_LSB_RELEASE =
  'DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=22.04\nDISTRIB_CODENAME=jammy\nDISTRIB_DESCRIPTION="Ubuntu 22.04.4 LTS"\n';

/**
 * Adds to a fixture root what a real Ubuntu 22.04 root has and OpenSCAP reads: /etc/lsb-release
 * (base-files) and dpkg's architecture tables (/usr/share/dpkg, copied from this host's dpkg); on a root
 * with a /proc/self/mounts (a running host's), /proc/mounts as procfs has it (a link to self/mounts: the
 * partition probe reads that name) and the mount points it lists as directories (the probe statvfs()es
 * them). Existing files are kept.
 */
export function prepareOscapRoot(root: string, lsbRelease: string = UBUNTU2204_LSB_RELEASE): void {
  const selfMounts = path.join(root, 'proc/self/mounts');
  if (existsSync(selfMounts)) {
    if (!existsSync(path.join(root, 'proc/mounts')))
      symlinkSync('self/mounts', path.join(root, 'proc/mounts'));
    for (const line of readFileSync(selfMounts, 'utf8').split('\n')) {
      const mountPoint = line.split(/\s+/)[1];
      if (mountPoint?.startsWith('/')) mkdirSync(path.join(root, mountPoint), { recursive: true });
    }
  }
  const lsb = path.join(root, 'etc/lsb-release');
  if (!existsSync(lsb)) {
    mkdirSync(path.dirname(lsb), { recursive: true });
    writeFileSync(lsb, lsbRelease);
  }
  const dpkgShare = path.join(root, 'usr/share/dpkg');
  mkdirSync(dpkgShare, { recursive: true });
  for (const table of ['cputable', 'tupletable', 'ostable']) {
    const from = path.join('/usr/share/dpkg', table);
    const to = path.join(dpkgShare, table);
    if (!existsSync(to)) {
      if (!existsSync(from)) throw new Error(`${from} is missing: the dpkginfo probe needs dpkg's tables`);
      copyFileSync(from, to);
    }
  }
}

export interface OscapRun {
  /** CaC rule id (without the XCCDF prefix) → result; notselected rules are left out. */
  results: Map<string, XccdfResult>;
  /** The command, for the record. */
  command: string;
  exitCode: number;
  /** oscap's warnings and errors (stderr plus W:/E: lines), deduplicated. */
  diagnostics: string[];
}

/**
 * `oscap-chroot ROOT xccdf eval --profile P --results FILE DS`, with the apt configuration isolated from
 * the host's. oscap exits 0 when every rule passed, 2 when one failed, 1 on an error of its own (thrown).
 */
export async function runOscapChroot(
  root: string,
  product: string,
  profile: OscapProfile,
): Promise<OscapRun> {
  const ds = dataStream(product);
  if (!ds) throw new Error(`no OpenSCAP data stream for ${product}`);
  const work = mkdtempSync(path.join(os.tmpdir(), 'inspector-oscap-'));
  try {
    const empty = path.join(work, 'apt.conf.d');
    mkdirSync(empty);
    const aptConfig = path.join(work, 'apt.conf');
    // The root's own architecture as apt's native one: libapt-pkg looks packages up by name in the native
    // architecture, so an amd64 root judged on an arm64 host would otherwise look empty.
    const arch = rootArchitecture(root);
    writeFileSync(
      aptConfig,
      `Dir::Etc::parts "${empty}";\nDir::Cache::pkgcache "pkgcache.bin";\n${arch ? `APT::Architecture "${arch}";\n` : ''}`,
    );
    const resultsFile = path.join(work, 'results.xml');
    const args = [root, 'xccdf', 'eval', '--profile', OSCAP_PROFILES[profile], '--results', resultsFile, ds];
    let exitCode = 0;
    let stdout = '';
    let stderr = '';
    try {
      ({ stdout, stderr } = await run('oscap-chroot', args, {
        // No D-Bus: the systemd probes would otherwise judge THIS host's units (when it runs systemd), not
        // the root's; without a bus they report unknown on every machine alike.
        env: { ...process.env, APT_CONFIG: aptConfig, DBUS_SYSTEM_BUS_ADDRESS: `unix:path=${work}/no-bus` },
        maxBuffer: 64 * 1024 * 1024,
        timeout: 300_000,
      }));
    } catch (err) {
      const e = err as { code?: number | string; stdout?: string; stderr?: string; killed?: boolean };
      exitCode = typeof e.code === 'number' ? e.code : -1;
      stdout = e.stdout ?? '';
      stderr = e.stderr ?? '';
      if (exitCode !== 2)
        throw new Error(
          `oscap-chroot exited ${e.code}${e.killed ? ' (killed)' : ''}: ${stderr.slice(0, 2000)}`,
        );
    }
    if (!existsSync(resultsFile))
      throw new Error(`oscap-chroot wrote no results file: ${stderr.slice(0, 2000)}`);
    const results = parseXccdfResults(readFileSync(resultsFile, 'utf8'));
    const diagnostics = [
      ...new Set(
        `${stderr}\n${stdout}`
          .split('\n')
          .map((l) => l.trim())
          .filter((l) => /^(W|E): |^error:/.test(l)),
      ),
    ];
    return {
      results,
      command: `APT_CONFIG=<file: Dir::Etc::parts "<empty dir>";> DBUS_SYSTEM_BUS_ADDRESS=unix:path=/nonexistent oscap-chroot ${args.join(' ')}`,
      exitCode,
      diagnostics,
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The first architecture other than `all` in the root's dpkg status, if any. */
export function rootArchitecture(root: string): string | undefined {
  const status = path.join(root, 'var/lib/dpkg/status');
  if (!existsSync(status)) return undefined;
  for (const m of readFileSync(status, 'utf8').matchAll(/^Architecture: *([a-z0-9-]+) *$/gm))
    if (m[1] !== 'all') return m[1];
  return undefined;
}

/**
 * The rule results of an XCCDF 1.2 results document: `<rule-result idref="…"><result>…</result>`, the
 * element XCCDF defines for one rule's outcome (one TestResult per file, as oscap writes it). Rules outside
 * the ssgproject namespace and `notselected` ones are left out; an unknown result value throws.
 */
export function parseXccdfResults(xml: string): Map<string, XccdfResult> {
  const out = new Map<string, XccdfResult>();
  const testResults = xml.match(/<(?:\w+:)?TestResult\b/g)?.length ?? 0;
  if (testResults !== 1) throw new Error(`expected one XCCDF TestResult, found ${testResults}`);
  const re =
    /<(?:\w+:)?rule-result\b[^>]*?\bidref="([^"]+)"[^>]*>\s*<(?:\w+:)?result>\s*([a-z]+)\s*<\/(?:\w+:)?result>/g;
  for (const m of xml.matchAll(re)) {
    const [, idref, result] = m as unknown as [string, string, string];
    if (!(XCCDF_RESULTS as readonly string[]).includes(result))
      throw new Error(`unknown XCCDF result "${result}" for ${idref}`);
    if (!idref.startsWith(RULE_PREFIX) || result === 'notselected') continue;
    const id = idref.slice(RULE_PREFIX.length);
    if (out.has(id)) throw new Error(`rule ${id} has two results`);
    out.set(id, result as XccdfResult);
  }
  return out;
}
