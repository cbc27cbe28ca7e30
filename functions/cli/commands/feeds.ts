/**
 * `inspector feeds import PATH` (compile feed files into the data dir), `inspector feeds sync` (download the
 * official feeds), `inspector feeds convert` (rewrite an earlier version's indexes), `inspector feeds status`; and the cve package loader `inspector assess` uses (--feed PATH
 * for one assessment, else the data dir's compiled index when there is one).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { defaultDataDir } from '../../adapters/local/data-dir';
import type { RulesPackage } from '../../core/rule';
import { FEED_SOURCE_NAMES } from '../defaults';
import { setAssessHooks } from './assess';

// The feed code (readers, compiler, index, downloads) is imported when a command or an assessment uses it,
// not with this module: `inspector --help` and the commands that need no feed load none of it.
const firstRun = () => import('../first-run-feed');
const feedStore = () => import('../../feeds/store');

const dataDirOption = () =>
  new Option('--data-dir <dir>', 'where runs, keys and feeds are kept').default(
    defaultDataDir(),
    '$INSPECTOR_DATA_DIR or ~/.local/share/inspector',
  );

const MAX_ERROR_LINES = 20;

/** For `inspector assess`: the cve package from --feed, else from the data dir's index, else none. */
export async function cveLoader(opts: {
  dataDir: string;
  feed?: string;
}): Promise<(() => Promise<RulesPackage>) | undefined> {
  const { cveRulesPackage } = await import('../../rules/cve');
  if (opts.feed) {
    const { openFeed } = await import('../../feeds/open');
    const { index, warnings } = await openFeed(path.resolve(opts.feed));
    if (warnings.length > 0) {
      process.stderr.write(
        `inspector: feed ${opts.feed}: ${warnings.length} record(s) rejected, first: ${warnings[0]}\n`,
      );
    }
    return async () => cveRulesPackage(index);
  }
  const { feedsDir, readManifest, StoredCveIndex } = await feedStore();
  if (!(await readManifest(feedsDir(opts.dataDir)).catch(() => undefined))) return undefined;
  return async () => cveRulesPackage(await StoredCveIndex.open(opts.dataDir));
}

export function register(program: Command): void {
  setAssessHooks({
    cveLoader,
    firstRunFeed: async (o) => (await firstRun()).firstRunFeed(o),
    unavailableCve: async (reason) => (await firstRun()).unavailableCvePackage(reason),
    retryMissingSources: async (o) => (await firstRun()).retryMissingSources(o),
    withMissingSources: async (pkg, missing) => (await firstRun()).withMissingSources(pkg, missing),
  });
  const feeds = program.command('feeds').description('vulnerability feeds for the cve rules package');

  feeds
    .command('import')
    .description(
      'compile feed files into the data dir: a directory or zip of OSV JSON, a JSONL file, an updateinfo.xml(.gz), a KEV JSON, an EPSS CSV, the Debian Security Tracker JSON, NVD API 2.0 / JSON 2.0 feed files or CVE List V5 records',
    )
    .argument('<path>', 'file or directory to import')
    .option(
      '--replace',
      'rebuild each imported release from this import alone (default: merge by advisory id)',
    )
    .option('--strict', 'write nothing when any record is rejected')
    .addOption(dataDirOption())
    .action(async (p: string, o: { dataDir: string; replace?: boolean; strict?: boolean }) => {
      const { readFeedPath } = await import('../../feeds/import');
      const { writeBundle } = await feedStore();
      const bundle = await readFeedPath(path.resolve(p));
      const { errors, skipped, records } = bundle.read;
      for (const e of errors.slice(0, MAX_ERROR_LINES))
        process.stderr.write(`rejected ${e.source}: ${e.message}\n`);
      if (errors.length > MAX_ERROR_LINES)
        process.stderr.write(`... and ${errors.length - MAX_ERROR_LINES} more rejected\n`);
      if (errors.length > 0 && o.strict)
        throw new Error(`${errors.length} record(s) rejected; nothing written (--strict)`);
      if (
        bundle.read.advisories.length === 0 &&
        !bundle.kev &&
        !bundle.epss &&
        !bundle.cvss?.size &&
        !bundle.debianTracker?.size
      ) {
        throw new Error(
          `${p} holds no advisories, KEV catalogue, EPSS scores, CVSS scores or Debian tracker urgencies${errors.length ? ` (${errors.length} rejected)` : ''}`,
        );
      }
      const report = await writeBundle(path.resolve(o.dataDir), bundle, { replace: !!o.replace });
      const out: string[] = [`read ${records} record(s) from ${p}`];
      for (const r of report.releases) {
        out.push(
          `  ${r.key}: ${r.advisories} advisories over ${r.packages} packages (${r.added} imported, ${r.replaced} replaced)`,
        );
      }
      if (report.kev) out.push(`  CISA KEV ${report.kev.catalogVersion}: ${report.kev.entries} entries`);
      if (report.epss) out.push(`  EPSS ${report.epss.scoreDate ?? ''}: ${report.epss.entries} scores`);
      if (report.cveScores) out.push(`  CVSS from CVE records: ${report.cveScores.entries} CVEs`);
      if (report.debianUrgency)
        out.push(
          `  Debian Security Tracker: ${report.debianUrgency.entries} urgencies (Debian ${report.debianUrgency.releases.join(', ')})`,
        );
      const skips = Object.entries(skipped).map(([k, v]) => `${v} ${k}`);
      if (skips.length) out.push(`  skipped: ${skips.join(', ')}`);
      if (errors.length) out.push(`  rejected: ${errors.length} (listed on stderr)`);
      out.push(`written to ${report.dir}`);
      process.stdout.write(`${out.join('\n')}\n`);
    });

  feeds
    .command('sync')
    .description(
      'download the official feeds (OSV, Amazon Linux ALAS, CISA KEV, FIRST EPSS, Debian Security Tracker, NVD CVSS) into the data dir',
    )
    .option('--timeout <seconds>', 'give up on a download after this long', parseSeconds, 15)
    .option('--only <names>', `comma-separated sources (${FEED_SOURCE_NAMES.join(', ')})`)
    .addOption(dataDirOption())
    .action(async (o: { dataDir: string; timeout: number; only?: string }) => {
      const wanted = o.only?.split(',').map((s) => s.trim());
      const { httpGetter, syncFeeds } = await import('../../feeds/sync');
      const { configuredSources } = await import('../../feeds/sync-config');
      // The official URLs, or those INSPECTOR_FEED_SYNC_CONFIG names (a mirror; tests' server).
      const all = configuredSources();
      const sources = wanted ? all.filter((s) => wanted.includes(s.name)) : all;
      if (sources.length === 0)
        throw new Error(`--only names no known source (${FEED_SOURCE_NAMES.join(', ')})`);
      const dataDir = path.resolve(o.dataDir);
      await fs.mkdir(dataDir, { recursive: true });
      const r = await syncFeeds({ dataDir, get: httpGetter(o.timeout * 1000), sources });
      for (const w of r.written) {
        for (const rel of w.releases)
          process.stdout.write(`synced ${rel.key}: ${rel.advisories} advisories\n`);
        if (w.kev)
          process.stdout.write(`synced CISA KEV ${w.kev.catalogVersion}: ${w.kev.entries} entries\n`);
        if (w.epss) process.stdout.write(`synced EPSS: ${w.epss.entries} scores\n`);
        if (w.cveScores) process.stdout.write(`synced CVSS from CVE records: ${w.cveScores.entries} CVEs\n`);
        if (w.debianUrgency)
          process.stdout.write(`synced Debian Security Tracker: ${w.debianUrgency.entries} urgencies\n`);
      }
      if (r.written.length === 0) {
        const first = r.failed[0];
        throw new Error(
          `feeds sync failed: none of ${r.failed.length} feed(s) could be downloaded (${first?.source}: ${first?.reason}); the previous index is kept`,
        );
      }
      for (const f of r.failed)
        process.stderr.write(`not synced ${f.source}: ${f.reason} (previous data kept)\n`);
      for (const w of r.warnings) process.stderr.write(`warning: synced ${w.source} without ${w.message}\n`);
    });

  feeds
    .command('convert')
    .description(
      'rewrite release indexes an earlier version compiled (schema 1) in the current per-package format, in place',
    )
    .addOption(dataDirOption())
    .action(async (o: { dataDir: string }) => {
      const { convertFeeds } = await feedStore();
      const r = await convertFeeds(path.resolve(o.dataDir));
      const out = r.converted.map(
        (c) => `converted ${c.key}: ${c.from} → ${c.to} (${c.advisories} advisories, ${c.packages} packages)`,
      );
      if (r.epss !== undefined) out.push(`converted EPSS: ${r.epss} scores, one a line`);
      if (r.current.length) out.push(`already current: ${r.current.join(', ')}`);
      out.push(`feeds in ${r.dir}`);
      process.stdout.write(`${out.join('\n')}\n`);
    });

  feeds
    .command('status')
    .description('list the compiled feeds in the data dir')
    .addOption(dataDirOption())
    .action(async (o: { dataDir: string }) => {
      const { feedsDir, readManifest } = await feedStore();
      const { describeInvalid } = await import('../../feeds/cve-scores');
      const m = await readManifest(feedsDir(path.resolve(o.dataDir)));
      if (!m)
        throw new Error(`no compiled feeds in ${feedsDir(o.dataDir)}: run \`inspector feeds import PATH\``);
      const lines = [`feeds in ${feedsDir(o.dataDir)} (updated ${m.updatedAt})`];
      for (const [k, r] of Object.entries(m.releases).sort()) {
        lines.push(`  ${k}: ${r.advisories} advisories, ${r.packages} packages (compiled ${r.compiledAt})`);
      }
      if (m.kev) lines.push(`  CISA KEV ${m.kev.catalogVersion}: ${m.kev.entries} entries`);
      if (m.epss) lines.push(`  EPSS ${m.epss.scoreDate ?? ''}: ${m.epss.entries} scores`);
      if (m.cveScores) {
        lines.push(
          `  CVSS from CVE records: ${m.cveScores.entries} CVEs (compiled ${m.cveScores.compiledAt})`,
        );
        if (m.cveScores.invalid) lines.push(`    warning: ${describeInvalid(m.cveScores.invalid)}`);
      }
      if (m.debianUrgency)
        lines.push(
          `  Debian Security Tracker: ${m.debianUrgency.entries} urgencies for Debian ${m.debianUrgency.releases.join(', ')} (compiled ${m.debianUrgency.compiledAt})`,
        );
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}

function parseSeconds(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0 || n > 600)
    throw new InvalidArgumentError('must be a number of seconds from 0 to 600');
  return n;
}
