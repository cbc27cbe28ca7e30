/**
 * Exports of local runs for the AWS security tool chain and other tools:
 *   inspector sbom --run ID [--instance ID] --format cyclonedx [--out FILE]   CycloneDX 1.6 JSON per instance
 *   inspector export --format openvex [--run ID] [--author WHO] [--out FILE]  OpenVEX 0.2.0 of the active waivers
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Command, Option } from 'commander';
import { defaultDataDir } from '../../adapters/local/data-dir';
import type { Inventory } from '../../core/facts/packages';
import type { Finding } from '../../core/model';
import type { AsffFinding } from '../../exports/asff';
import type { readLocalRun } from '../../exports/local-run';

const TOOL_VERSION = '0.1.0';

// What the commands run is imported when one runs, not with this module (so --help loads none of it).
async function load() {
  const [runStore, suppressionFile, suppressions, localRun] = await Promise.all([
    import('../../adapters/local/run-store'),
    import('../../adapters/local/suppression-file'),
    import('../../core/suppressions'),
    import('../../exports/local-run'),
  ]);
  return {
    LocalRunStore: runStore.LocalRunStore,
    LocalSuppressionStore: suppressionFile.LocalSuppressionStore,
    applySuppressions: suppressions.applySuppressions,
    localInventories: localRun.localInventories,
    readLocalRun: localRun.readLocalRun,
  };
}

const dataDirOption = () =>
  new Option('--data-dir <dir>', 'where runs are kept').default(
    defaultDataDir(),
    '$INSPECTOR_DATA_DIR or ~/.local/share/inspector',
  );

async function emit(text: string, out: string | undefined): Promise<void> {
  if (!out) {
    process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    return;
  }
  const tmp = `${out}.${process.pid}.tmp`;
  await fs.writeFile(tmp, text.endsWith('\n') ? text : `${text}\n`);
  await fs.rename(tmp, out);
  process.stderr.write(`written to ${path.resolve(out)}\n`);
}

export function register(program: Command): void {
  program
    .command('sbom')
    .description(
      'CycloneDX 1.6 SBOM of an instance of a local run: OS, installed packages (purls), vulnerabilities',
    )
    .requiredOption('--run <id>', 'run id (see inspector runs)')
    .option('--instance <id>', 'instance (needed when the run has several)')
    .addOption(new Option('--format <format>', 'SBOM format').choices(['cyclonedx']).default('cyclonedx'))
    .option('--out <file>', 'write to FILE instead of standard output')
    .addOption(dataDirOption())
    .action(async (o: { run: string; instance?: string; out?: string; dataDir: string }) => {
      const { LocalSuppressionStore, applySuppressions, localInventories, readLocalRun } = await load();
      const output = await readLocalRun(o.dataDir, o.run);
      const ids = o.instance ? [o.instance] : output.instances.map((i) => i.instanceId);
      if (ids.length !== 1) {
        throw new Error(
          `run ${o.run} has ${ids.length} instances: name one with --instance (${output.instances.map((i) => i.instanceId).join(', ')})`,
        );
      }
      const [inv] = await localInventories(o.dataDir, output, ids);
      if (!inv?.inventory) throw new Error(`no SBOM for ${ids[0]}: ${inv?.problem ?? 'no inventory'}`);
      const rules = await new LocalSuppressionStore(o.dataDir).list().catch((err: Error) => {
        process.stderr.write(`warning: suppression rules not applied: ${err.message}\n`);
        return [];
      });
      const now = new Date();
      const instance = output.instances.find((i) => i.instanceId === ids[0]) ?? {
        instanceId: ids[0] as string,
        agentStatus: 'UNKNOWN' as const,
      };
      // Loaded on use (the CycloneDX library and packageurl-js), so other commands start without them.
      const { buildCycloneDx, serializeCycloneDx } = await import('../../exports/cyclonedx');
      const bom = buildCycloneDx({
        run: output.run,
        instance,
        inventory: inv.inventory,
        findings: applySuppressions(output.findings, rules, now).filter(
          (f) => f.instanceId === instance.instanceId,
        ),
        rules,
        generatedAt: now,
        toolVersion: TOOL_VERSION,
      });
      for (const e of inv.inventory.errors.slice(0, 20))
        process.stderr.write(`warning: package database: ${e}\n`);
      await emit(serializeCycloneDx(bom), o.out);
    });

  program
    .command('export')
    .description(
      'Export for other tools: openvex (the suppression rules in force as OpenVEX 0.2.0 statements), asff (a run for Security Hub)',
    )
    .addOption(
      new Option('--format <format>', 'export format').choices(['openvex', 'asff']).makeOptionMandatory(),
    )
    .option(
      '--run <id>',
      'asff: the run (required); openvex: name as products the instances and packages of this run that the waivers suppress',
    )
    .option('--account-id <id>', 'asff: the AWS account the findings belong to (12 digits)')
    .option('--region <region>', 'asff: the Security Hub region (default $AWS_REGION)')
    .option('--author <who>', 'openvex: the document author (default: the OS user)')
    .option('--out <file>', 'write to FILE instead of standard output')
    .addOption(dataDirOption())
    .action(async (o: ExportOpts) => {
      const { LocalSuppressionStore, localInventories, readLocalRun } = await load();
      if (o.format === 'asff') {
        await exportAsff(o);
        return;
      }
      const rules = await new LocalSuppressionStore(o.dataDir).list();
      const now = new Date();
      let run: { findings: typeof output.findings; inventories: Map<string, Inventory> } | undefined;
      let output: Awaited<ReturnType<typeof readLocalRun>>;
      if (o.run) {
        output = await readLocalRun(o.dataDir, o.run);
        const inventories = new Map<string, Inventory>();
        for (const i of await localInventories(o.dataDir, output)) {
          if (i.inventory) inventories.set(i.instanceId, i.inventory);
          else process.stderr.write(`warning: ${i.instanceId}: no package purls (${i.problem})\n`);
        }
        run = { findings: output.findings, inventories };
      }
      const { buildOpenVex } = await import('../../exports/openvex');
      const result = buildOpenVex({
        rules,
        now,
        author: o.author ?? `${os.userInfo().username}@${os.hostname()}`,
        ...(run ? { run } : {}),
      });
      for (const s of result.skipped)
        process.stderr.write(`not exported: ${s.suppressionRuleId}: ${s.reason}\n`);
      if (!result.document)
        throw new Error('no active suppression rule can be stated in OpenVEX (none names a CVE)');
      await emit(JSON.stringify(result.document, null, 2), o.out);
    });
}

interface ExportOpts {
  format: 'openvex' | 'asff';
  run?: string;
  author?: string;
  out?: string;
  dataDir: string;
  accountId?: string;
  region?: string;
}

/** The run's findings as a BatchImportFindings request body ({ Findings }), with the earlier run's resolved ones ARCHIVED. */
async function exportAsff(o: ExportOpts): Promise<void> {
  const { LocalRunStore, LocalSuppressionStore, applySuppressions } = await load();
  if (!o.run) throw new Error('--format asff needs --run ID');
  const region = o.region ?? process.env.AWS_REGION;
  if (!o.accountId || !/^\d{12}$/.test(o.accountId))
    throw new Error('--format asff needs --account-id (12 digits)');
  if (!region || !/^[a-z]{2}(-[a-z]+)+-\d$/.test(region))
    throw new Error('--format asff needs --region (or $AWS_REGION)');
  const store = new LocalRunStore(o.dataDir);
  const output = await store.getOutput(o.run);
  const rules = await new LocalSuppressionStore(o.dataDir).list().catch(() => []);
  const now = new Date();
  const findings = applySuppressions(output.findings, rules, now);
  // The previous completed run of the same instance(s): what it reported and this run does not is resolved.
  const { runs } = await store.listRuns();
  const ids = new Set(output.instances.map((i) => i.instanceId));
  let previous: Finding[] = [];
  for (const r of runs.filter((x) => x.createdAt < output.run.createdAt)) {
    const earlier = await store.getOutput(r.runId).catch((err: Error) => {
      process.stderr.write(`warning: earlier run ${r.runId} skipped for archiving: ${err.message}\n`);
      return undefined;
    });
    if (earlier?.instances.some((i) => ids.has(i.instanceId))) {
      previous = earlier.findings;
      break;
    }
  }
  const { checkAsff, runToAsff } = await import('../../exports/asff');
  const all = runToAsff(findings, { accountId: o.accountId, region, now }, previous);
  const ok: AsffFinding[] = [];
  for (const f of all) {
    const problems = checkAsff(f);
    if (problems.length === 0) ok.push(f);
    else process.stderr.write(`not exported: ${f.Id}: ${problems.join('; ')}\n`);
  }
  const archived = ok.filter((f) => f.RecordState === 'ARCHIVED').length;
  process.stderr.write(
    `${ok.length - archived} active, ${archived} archived (resolved since the previous run)\n`,
  );
  await emit(JSON.stringify({ Findings: ok }, null, 2), o.out);
}
