/**
 * Local commands: `inspector assess` (assess this machine or a root tree), `inspector runs`,
 * `inspector findings --run ID`, `inspector report --run ID`.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { defaultDataDir, ensureDataDir } from '../../adapters/local/data-dir';
import type { RecordSpill } from '../../adapters/local/record-spill';
import type { NetworkConfig } from '../../core/network/aws-config';
import type { CisContext, RulesPackage } from '../../core/rule';
import type { AssessmentOutput } from '../../core/run';
import { SEVERITIES } from '../../core/severity';
import type { MissingSource } from '../../feeds/store';
import type { RulesPackageRef } from '../../report/model';
import { RUN_LEVEL_PACKAGES } from '../../rules/catalog';
import { checkCisTailoring, parseCisVariables } from '../../rules/cis/tailoring';
import {
  parseRuleParameters,
  type RuleParameterOverrides,
  validateRuleParameters,
} from '../../rules/parameters';
import type { ResolveOptions } from '../../rules/registry';
import { FIRST_RUN_TIMEOUT_SECONDS } from '../defaults';
import type { FirstRunOptions, FirstRunOutcome, RetryOptions, RetryOutcome } from '../first-run-feed';
import { progressReporter, table } from '../format';
import { register as registerReports } from './reports';

// What the commands run (the agent, the rules, the stores, the report) is imported when a command runs, not
// with this module: `inspector --help` and the other commands load none of it (scripts/build-cli.ts).
const localRunStore = async (dataDir: string) =>
  new (await import('../../adapters/local/run-store')).LocalRunStore(dataDir);

/** The name that stands for the default packages in --rules-packages. */
export const DEFAULT_PACKAGES = 'default';

const formatOption = () =>
  new Option('--format <format>', 'output format').choices(['table', 'json']).default('table');
const dataDirOption = () =>
  new Option('--data-dir <dir>', 'where runs, keys and feeds are kept').default(
    defaultDataDir(),
    '$INSPECTOR_DATA_DIR or ~/.local/share/inspector',
  );

/** Hooks other command groups provide (the cve package's feed loader). */
export interface AssessHooks {
  cveLoader?: (opts: { dataDir: string; feed?: string }) => Promise<ResolveOptions['loadCve']>;
  /** No feed in the data dir: sync the assessed host's own (first-run-feed.ts). */
  firstRunFeed?: (opts: FirstRunOptions) => Promise<FirstRunOutcome>;
  /** The cve package when no feed could be had: it ends in an exclusion giving `reason`. */
  unavailableCve?: (reason: string) => Promise<RulesPackage>;
  /** A feed a first run wrote without some sources: download those again (first-run-feed.ts). */
  retryMissingSources?: (opts: RetryOptions) => Promise<RetryOutcome>;
  /** The cve package of such a feed: it says on every run which sources are missing. */
  withMissingSources?: (pkg: RulesPackage, missing: readonly MissingSource[]) => Promise<RulesPackage>;
}
const hooks: AssessHooks = {};
export function setAssessHooks(h: AssessHooks): void {
  Object.assign(hooks, h);
}

export function register(program: Command): void {
  program
    .command('assess')
    .description('assess this machine (or a mounted root tree) and report findings')
    .option('--root <dir>', 'assess the file system under DIR instead of / (/proc and /sys included)', '/')
    .option(
      '--telemetry <file>',
      'evaluate telemetry the standalone agent wrote (agent --out FILE --key-file KEY) instead of collecting',
    )
    .option(
      '--key-file <file>',
      "with --telemetry: the agent's 32-byte key (default: the data dir's telemetry.key)",
    )
    .option(
      '--rules-packages <list>',
      `comma-separated rules packages; ${DEFAULT_PACKAGES} stands for every package that can run (the default), e.g. ${DEFAULT_PACKAGES},cis`,
    )
    .option('--duration <seconds>', 'sampling window in seconds', parseDuration, 0)
    .option(
      '--rule-parameter <rule:name=value>',
      'set a rule parameter, e.g. sbp.password-min-length:minLength=16 (repeatable)',
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option('--cis-profile <profile>', 'cis package: level1-server (default) or level2-server')
    .option(
      '--cis-skip <list>',
      'cis package: comma-separated controls not to evaluate (sections such as 1.1.1.1, or cis.<benchmark>.<section>)',
    )
    .option(
      '--cis-variable <name=value>',
      'cis package: override a ComplianceAsCode variable, e.g. var_password_pam_minlen=16 (repeatable)',
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .addOption(formatOption())
    .option(
      '--report <file>',
      'also write the findings report to FILE (PDF when FILE ends in .pdf, else HTML)',
    )
    .option('--full-report', 'make the report a full report (every rule result per instance)')
    .option('--feed <path>', 'vulnerability feed to use for this assessment (cve package)')
    .option(
      '--ec2-config <dir>',
      'also evaluate network-reachability from this directory of AWS CLI outputs (see inspector network-reachability), and add the exposure chain to cve findings',
    )
    .option('--ec2-instance-id <id>', 'with --ec2-config: the EC2 instance id of the assessed host')
    .option('--offline', 'do not download a vulnerability feed when the data dir has none (first run)')
    .option(
      '--feed-sync-timeout <seconds>',
      "first run without a feed: stop downloading the host distribution's feed after this long",
      parseFeedSyncTimeout,
      FIRST_RUN_TIMEOUT_SECONDS,
    )
    .addOption(dataDirOption())
    .action(async (o: AssessOpts) => {
      await assess(o);
    });

  program
    .command('runs')
    .description('list earlier local assessment runs')
    .addOption(formatOption())
    .addOption(dataDirOption())
    .action(async (o: { format: string; dataDir: string }) => {
      const { runs, problems } = await (await localRunStore(o.dataDir)).listRuns();
      if (o.format === 'json') {
        process.stdout.write(`${JSON.stringify({ runs, problems }, null, 2)}\n`);
        return;
      }
      for (const p of problems) process.stderr.write(`warning: unreadable run ${p}\n`);
      if (runs.length === 0) {
        process.stdout.write(`No runs in ${o.dataDir}. Run: inspector assess\n`);
        return;
      }
      const rows = runs.map((r) => [
        r.runId,
        r.createdAt,
        r.state,
        r.rulesPackages.join(','),
        SEVERITIES.map((s) => `${s[0]}:${r.findingCounts[s]}`).join(' '),
      ]);
      process.stdout.write(`${table(['RUN', 'CREATED', 'STATE', 'PACKAGES', 'FINDINGS'], rows)}\n`);
    });

  program
    .command('findings')
    .description('show the findings of a run')
    .requiredOption('--run <id>', 'run id (see inspector runs)')
    .option('--severity <list>', 'only these severities (comma-separated)')
    .option(
      '--diff',
      'mark each finding NEW or PERSISTING against the previous completed run of the same root, and list the RESOLVED ones',
    )
    .addOption(
      new Option(
        '--sort <order>',
        'exposure: reachable from outside the VPC first, then KEV, EPSS, severity',
      ).choices(['severity', 'exposure']),
    )
    .addOption(formatOption())
    .addOption(dataDirOption())
    .action(
      async (o: {
        run: string;
        severity?: string;
        diff?: boolean;
        sort?: string;
        format: string;
        dataDir: string;
      }) => {
        const store = await localRunStore(o.dataDir);
        const { withSuppressionsNow, suppressedLine } = await import('./local-suppressions');
        const output = await withSuppressionsNow(o.dataDir, await store.getOutput(o.run));
        const wanted = o.severity
          ? new Set(o.severity.split(',').map((s) => s.trim().toLowerCase()))
          : undefined;
        const keep = (f: { severity: string }) => !wanted || wanted.has(f.severity.toLowerCase());
        if (o.diff) {
          await (await import('./report-actions')).printFindingsDiff(store, output, o.format, keep);
          return;
        }
        const kept = output.findings.filter(keep);
        const findings =
          o.sort === 'exposure'
            ? (await import('../../rules/network-reachability/exposure-chain')).sortByExposure(kept)
            : kept;
        if (o.format === 'json') {
          process.stdout.write(`${JSON.stringify({ runId: o.run, findings }, null, 2)}\n`);
          return;
        }
        process.stdout.write(
          `${findingsTable(findings, o.sort === 'exposure')}\n${suppressedLine(findings)}`,
        );
      },
    );

  registerReports(program);
}

interface AssessOpts {
  root: string;
  telemetry?: string;
  keyFile?: string;
  rulesPackages?: string;
  duration: number;
  ruleParameter?: string[];
  cisProfile?: string;
  cisSkip?: string;
  cisVariable?: string[];
  format: 'table' | 'json';
  report?: string;
  fullReport?: boolean;
  feed?: string;
  ec2Config?: string;
  ec2InstanceId?: string;
  offline?: boolean;
  feedSyncTimeout: number;
  dataDir: string;
}

/** --feed-sync-timeout: seconds from 1 to 3600 (fractions allowed); 0 is refused (--offline downloads nothing). */
export function parseFeedSyncTimeout(v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 1 || n > 3600)
    throw new InvalidArgumentError(
      'must be a number of seconds from 1 to 3600 (--offline downloads nothing)',
    );
  return n;
}

function parseDuration(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 86_400) {
    throw new InvalidArgumentError('must be a whole number of seconds from 0 to 86400');
  }
  return n;
}

async function assess(o: AssessOpts): Promise<void> {
  const root = path.resolve(o.root);
  if (!!o.ec2Config !== !!o.ec2InstanceId) throw new Error('--ec2-config and --ec2-instance-id go together');
  // Read (and checked) before anything is collected: a bad file fails at once.
  const ec2Config = o.ec2Config
    ? await (await import('./network-reachability-actions')).readCliOutputDirectory(o.ec2Config)
    : undefined;
  const st = await fs.stat(root).catch(() => undefined);
  if (!st?.isDirectory()) throw new Error(`--root ${o.root} is not a directory`);
  // Parsed before anything is downloaded or collected: a typo fails at once.
  const ruleParameters = o.ruleParameter ? parseRuleParameters(o.ruleParameter) : undefined;
  const cis = cisTailoring(o);
  const dataDir = ensureDataDir(o.dataDir);
  const given = o.telemetry ? await readGivenTelemetry(o.telemetry, o.keyFile, dataDir) : undefined;
  if (o.keyFile && !o.telemetry) throw new Error('--key-file goes with --telemetry');
  if (o.telemetry && o.root !== '/')
    throw new Error('--telemetry evaluates a file the agent wrote elsewhere: --root does not apply');
  let loadCve = hooks.cveLoader
    ? await hooks.cveLoader({ dataDir, ...(o.feed ? { feed: o.feed } : {}) })
    : undefined;
  if (o.feed && !loadCve)
    throw new Error('--feed needs the cve rules package, which this build does not include');
  const listed = o.rulesPackages
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  // `default` in the list stands for the packages that run when none is named (`default,cis`: those and cis).
  const withDefaults = !listed || listed.includes(DEFAULT_PACKAGES);
  const extra = listed?.filter((id) => id !== DEFAULT_PACKAGES) ?? [];
  const named = withDefaults ? undefined : extra;
  // Checked before a feed is downloaded or anything collected, when the packages are named.
  if (ruleParameters && named) checkRuleParameters(ruleParameters, named);
  // No feed yet: fetch the host distribution's own before assessing (or say why not; cve then ends in an
  // exclusion with that reason when the host has a feed source).
  const notes: string[] = [];
  const cveWanted = withDefaults || extra.includes('cve');
  let missing: readonly MissingSource[] = [];
  if (loadCve && !o.feed && cveWanted && hooks.retryMissingSources) {
    // A feed a first run wrote without some of its sources: those are downloaded again (bounded, not with
    // --offline), and cve says which are still missing.
    const retry = await hooks.retryMissingSources({
      dataDir,
      offline: !!o.offline,
      timeoutSeconds: o.feedSyncTimeout,
    });
    if (retry.message) notes.push(retry.message);
    missing = retry.missing;
  } else if (!loadCve && hooks.cveLoader && hooks.firstRunFeed && cveWanted && !given) {
    const first = await hooks.firstRunFeed({
      root,
      dataDir,
      offline: !!o.offline,
      timeoutSeconds: o.feedSyncTimeout,
      interactive: o.format !== 'json',
      stderr: process.stderr,
    });
    notes.push(first.message);
    if (first.synced) {
      loadCve = await hooks.cveLoader({ dataDir });
      missing = first.missing ?? [];
    } else if (first.unavailable && hooks.unavailableCve) {
      const stub = await hooks.unavailableCve(first.unavailable);
      loadCve = async () => stub;
    }
  }
  if (loadCve && missing.length > 0 && hooks.withMissingSources) {
    const [inner, wrap] = [loadCve, hooks.withMissingSources];
    loadCve = async () => wrap(await inner(), missing);
  }
  const resolveOpts: ResolveOptions = {
    ...(loadCve ? { loadCve } : {}),
    loadCis: () => import('../../rules/cis/index').then((m) => m.cisPackage),
  };
  const noProc = withDefaults && !extra.includes('runtime-behavior-analysis') && !(await hasProc(root));
  if (noProc) resolveOpts.runtimeAvailable = false;
  const { defaultRulesPackageIds, resolveRulesPackages } = await import('../../rules/registry');
  const ids = [...new Set([...(withDefaults ? defaultRulesPackageIds(resolveOpts) : []), ...extra])];
  if (ids.length === 0) throw new Error('--rules-packages names no package');
  // network-reachability is evaluated once over the EC2 configuration, after the host (addNetworkReachability).
  if (ids.includes('network-reachability') && !ec2Config)
    throw new Error(
      'rules package network-reachability needs --ec2-config DIR and --ec2-instance-id ID (the EC2 configuration as AWS CLI outputs, and the assessed host in it)',
    );
  const { runLocalAssessment } = await import('../../adapters/local/local-assessment');
  // The results and findings go to a temporary file in the data dir as they are evaluated (removed at once,
  // kept open; closed on every way out): memory holds their slim copies, the outputs read them back whole.
  const { RecordSpill } = await import('../../adapters/local/record-spill');
  const evaluate = async (spill: InstanceType<typeof RecordSpill>) => {
    const packages = await resolveRulesPackages(
      ids.filter((id) => !RUN_LEVEL_PACKAGES.includes(id)),
      resolveOpts,
    );
    const parameters = ruleParameters ? checkRuleParameters(ruleParameters, ids) : undefined;
    const { output, runDir } = await runLocalAssessment({
      root,
      dataDir,
      rulesPackages: packages,
      durationSeconds: o.duration,
      context: { ...(parameters ? { parameters } : {}), ...(cis ? { cis } : {}) },
      onProgress: progressReporter(o.format !== 'json'),
      ...(given ? { telemetry: given } : {}),
      suppressions: {
        rules: await (await import('./local-suppressions')).localSuppressionRules(dataDir),
        now: new Date(),
      },
      spill,
    });
    // Only the packages' names stay: what they loaded to evaluate (the cve index and the advisories it decoded)
    // is let go before the outputs are written.
    const refs = packages.map(({ id, name, version }) => ({ id, name, version }));
    return { output, runDir, packages: refs };
  };
  const spill = new RecordSpill(dataDir);
  try {
    const { output, runDir, packages } = await evaluate(spill);
    await writeOutputs(o, {
      output,
      runDir,
      spill,
      packages,
      notes,
      withDefaults,
      loadCve,
      noProc,
      root,
      ec2Config,
      dataDir,
    });
  } finally {
    spill.close();
  }
}

/** The run's report(s), then the JSON or the summary on standard output. */
async function writeOutputs(
  o: AssessOpts,
  run: {
    output: AssessmentOutput;
    runDir: string;
    spill: RecordSpill;
    packages: readonly RulesPackageRef[];
    notes: string[];
    withDefaults: boolean;
    loadCve: unknown;
    noProc: boolean;
    root: string;
    ec2Config: NetworkConfig | undefined;
    dataDir: string;
  },
): Promise<void> {
  const { runDir, spill, packages, notes, withDefaults, loadCve, noProc, root, ec2Config, dataDir } = run;
  let { output } = run;
  const store = await localRunStore(dataDir);
  // What the outputs read of a record: its spilled text, or itself (a record that was not spilled).
  let text: (value: unknown) => string | undefined = spill.text;
  let full: <T>(record: T) => T = spill.full;
  if (ec2Config && o.ec2InstanceId) {
    // Network reachability rewrites the findings (their exposure chain): it gets them whole.
    const { addNetworkReachability } = await import('../../rules/network-reachability/run-output');
    const local = output.instances[0]?.instanceId;
    output = addNetworkReachability(
      spill.materialize(output),
      ec2Config,
      new Map(local ? [[local, o.ec2InstanceId]] : []),
    );
    text = () => undefined;
    full = (record) => record;
    await store.putRun(output.run);
    await store.putOutput(output);
  }
  const { localReportOptions, renderReport, reportFormatFor } = await import('./report-actions');
  const { htmlReportChunksOf } = await import('../../report/html');
  const { writeChunks, writeFileAtomic } = await import('../../adapters/local/write-stream');
  const reportOpts = {
    ...(await localReportOptions(store, output, packages, o.fullReport ? 'full' : 'findings', (m) =>
      process.stderr.write(`warning: ${m}\n`),
    )),
    full,
  };
  // The run folder always keeps the HTML report; --report writes FILE in its own format. Both are written as
  // they are rendered (a finding at a time), through a temporary file renamed into place.
  const stored = await store.putReport(output.run.runId, htmlReportChunksOf(output, reportOpts));
  if (o.report) {
    const format = reportFormatFor(o.report);
    await writeFileAtomic(
      path.resolve(o.report),
      format === 'html'
        ? htmlReportChunksOf(output, reportOpts)
        : // A PDF is laid out whole: it gets every record whole.
          [await renderReport(spill.materialize(output), { ...reportOpts, full: (r) => r }, format)],
    );
  }

  if (o.format === 'json') {
    // The text of JSON.stringify(output, null, 2), a result and a finding at a time, at the reader's pace.
    const { jsonChunks } = await import('../../core/json-chunks');
    try {
      await writeChunks(process.stdout, lines(jsonChunks(output, 2, 2, text)));
    } catch (err) {
      throw new Error(stdoutFailure(err, output.run.runId, path.join(runDir, 'assessment.json')));
    }
    return;
  }
  if (notes.length === 0 && withDefaults && !loadCve)
    notes.push(
      'Not run: cve (no vulnerability feed in the data directory; run `inspector feeds sync` or `inspector feeds import PATH`, or pass --feed PATH)',
    );
  if (noProc)
    notes.push(
      `Not run: runtime-behavior-analysis (${root} has no /proc to sample; name it with --rules-packages to run it anyway)`,
    );
  const { suppressedLine } = await import('./local-suppressions');
  process.stdout.write(
    summary(
      output,
      packages,
      o.report ? path.resolve(o.report) : stored,
      runDir,
      notes,
      suppressedLine(output.findings),
      full,
    ),
  );
}

/** The pieces of a document, then its final newline. */
function* lines(chunks: Iterable<string>): Generator<string> {
  yield* chunks;
  yield '\n';
}

/**
 * What a failed write of the JSON to stdout says: the JSON printed is incomplete (a reader that stopped early,
 * EPIPE; a full disk, ENOSPC), while the run itself was stored whole.
 */
export function stdoutFailure(err: unknown, runId: string, stored: string): string {
  const e = err as NodeJS.ErrnoException;
  const why =
    e?.code === 'EPIPE'
      ? 'standard output was closed before the JSON was written whole (EPIPE)'
      : `writing the JSON to standard output failed (${e?.message ?? String(err)})`;
  return `${why}: the JSON printed is incomplete; run ${runId} is stored whole in ${stored}`;
}

/** --cis-profile, --cis-skip, --cis-variable as the cis package's context (undefined when none is given). */
function cisTailoring(o: AssessOpts): CisContext | undefined {
  if (o.cisProfile === undefined && o.cisSkip === undefined && o.cisVariable === undefined) return undefined;
  try {
    return checkCisTailoring({
      ...(o.cisProfile !== undefined ? { profile: o.cisProfile } : {}),
      ...(o.cisSkip !== undefined
        ? {
            skip: o.cisSkip
              .split(',')
              .map((x) => x.trim())
              .filter(Boolean),
          }
        : {}),
      ...(o.cisVariable ? { variables: parseCisVariables(o.cisVariable) } : {}),
    });
  } catch (err) {
    throw new Error(`--cis-*: ${(err as Error).message}`);
  }
}

/** The same checks as a template's ruleParameters (rules/parameters.ts), as a one-line usage error. */
function checkRuleParameters(
  overrides: RuleParameterOverrides,
  rulesPackages: readonly string[],
): RuleParameterOverrides {
  try {
    return validateRuleParameters(overrides, rulesPackages);
  } catch (err) {
    throw new Error(`--rule-parameter: ${(err as Error).message}`);
  }
}

function summary(
  output: AssessmentOutput,
  packages: readonly RulesPackageRef[],
  reportPath: string,
  runDir: string,
  notes: readonly string[],
  suppressed: string,
  full: <T>(record: T) => T,
): string {
  const lines: string[] = [];
  const { run } = output;
  for (const i of output.instances) {
    const what = [i.os, i.kernelRelease && `kernel ${i.kernelRelease}`, i.arch].filter(Boolean).join(', ');
    lines.push(`Assessed ${i.hostname ?? '(unknown host)'}${what ? ` (${what})` : ''} as ${i.instanceId}`);
  }
  lines.push(`Run ${run.runId}: ${run.state}`);
  lines.push(`Rules packages: ${packages.map((p) => `${p.id} ${p.version}`).join(', ')}`);
  lines.push(...notes);
  const count = (s: string) => output.results.filter((r) => r.result === s).length;
  lines.push(
    `Results: ${output.results.length} — ${count('PASS')} pass, ${count('FAIL')} fail, ${count('NOT_APPLICABLE')} not applicable, ${count('ERROR')} error`,
  );
  lines.push(`Findings: ${SEVERITIES.map((s) => `${s} ${run.findingCounts[s]}`).join(', ')}`);
  if (suppressed) lines.push(suppressed.trimEnd());
  lines.push('');
  if (output.findings.length > 0) lines.push(findingsTable(output.findings, false, full), '');
  const errors = output.results.filter((r) => r.result === 'ERROR');
  if (errors.length > 0) {
    lines.push('Rules that could not be evaluated:');
    for (const r of errors) lines.push(`  ${r.ruleId}: ${r.message}`);
    lines.push('');
  }
  if (output.exclusions.length > 0) {
    lines.push('Exclusions:');
    for (const x of output.exclusions)
      lines.push(`  ${x.instanceId}${x.scope ? ` [${x.scope}]` : ''}: ${x.reason}: ${x.message}`);
    lines.push('');
  }
  lines.push(`Report: ${reportPath}`);
  lines.push(`Run data: ${runDir}`);
  return `${lines.join('\n')}\n`;
}

/** `full`: the whole finding of a slim one (record-spill.ts), for its evidence. */
function findingsTable(
  findings: AssessmentOutput['findings'],
  exposure = false,
  full: <T>(record: T) => T = (record) => record,
): string {
  if (findings.length === 0) return 'No findings.';
  if (exposure) {
    const attr = (f: AssessmentOutput['findings'][number], k: string) =>
      f.attributes.find((a) => a.key === k)?.value ?? '';
    const rows = findings.map((f) => [
      attr(f, 'EXPOSURE') || '-',
      attr(f, 'EXPOSED_PORTS'),
      f.vulnerability?.kev ? 'KEV' : '',
      f.vulnerability?.epss ? f.vulnerability.epss.score.toFixed(3) : '',
      f.severity,
      f.title,
    ]);
    return table(['EXPOSURE', 'PORTS', 'KEV', 'EPSS', 'SEVERITY', 'FINDING'], rows, 70);
  }
  const rows = findings.map((f) => {
    const ev = full(f).evidence[0];
    const evidence = ev
      ? `${ev.source}${ev.line ? `:${ev.line}` : ''}${ev.key ? ` ${ev.key}` : ''}${ev.value !== undefined ? `=${ev.value}` : ''}`
      : '';
    return [
      f.suppression ? `${f.severity} (suppressed)` : f.severity,
      f.ruleId,
      f.title,
      f.suppression
        ? `waived by ${f.suppression.suppressionRuleId} until ${f.suppression.expiresOn}`
        : evidence,
    ];
  });
  return table(['SEVERITY', 'RULE', 'FINDING', 'EVIDENCE'], rows, 70);
}

/** Upper bound of a telemetry file (the envelope's own limit is checked again when it is opened). */
const MAX_TELEMETRY_FILE_BYTES = 64 * 1024 * 1024;

/** --telemetry FILE and its key (--key-file, else the data dir's telemetry.key), checked before anything runs. */
async function readGivenTelemetry(
  file: string,
  keyFile: string | undefined,
  dataDir: string,
): Promise<{ ciphertext: Buffer; key: Buffer; source: string }> {
  const source = path.resolve(file);
  const st = await fs.stat(source).catch(() => undefined);
  if (!st?.isFile()) throw new Error(`--telemetry ${file} is not a file`);
  if (st.size > MAX_TELEMETRY_FILE_BYTES)
    throw new Error(
      `--telemetry ${file} is ${st.size} bytes, over the ${MAX_TELEMETRY_FILE_BYTES}-byte limit`,
    );
  const keyPath = keyFile ? path.resolve(keyFile) : path.join(dataDir, 'telemetry.key');
  const key = await fs.readFile(keyPath).catch((err: NodeJS.ErrnoException) => {
    throw new Error(
      keyFile
        ? `--key-file ${keyFile}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`
        : `--telemetry needs the key the agent encrypted it with: pass --key-file (no ${keyPath})`,
    );
  });
  if (key.length !== 32)
    throw new Error(`--key-file ${keyPath}: a key is 32 bytes, this file has ${key.length}`);
  return { ciphertext: await fs.readFile(source), key, source };
}

/** Whether the root has a process table to sample (a live system, or a chroot with /proc mounted). */
async function hasProc(root: string): Promise<boolean> {
  try {
    await fs.access(path.join(root, 'proc', 'stat'));
    return true;
  } catch {
    return false;
  }
}
