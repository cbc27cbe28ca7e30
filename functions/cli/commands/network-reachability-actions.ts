/**
 * `inspector network-reachability --from DIR`: the Network Reachability package offline, over a directory of
 * AWS CLI JSON outputs (functions/core/network/cli-outputs.ts lists the files and the commands that write
 * them). Prints the same JSON contract as `assess` (run, instances, results, findings, exclusions), or a
 * table; `--report FILE` writes the HTML findings report. No agent: listener-aware rules are not applicable.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { newRunId } from '../../adapters/local/local-assessment';
import { toFinding } from '../../core/evaluate';
import { boundExclusion, boundResult } from '../../core/finding-limits';
import type { Finding, InstanceSummary, RuleResult } from '../../core/model';
import type { NetworkConfig } from '../../core/network/aws-config';
import {
  CLI_OUTPUT_FILES,
  MAX_CLI_OUTPUT_BYTES,
  networkConfigFromCliOutputs,
} from '../../core/network/cli-outputs';
import type { AssessmentOutput } from '../../core/run';
import { SEVERITIES, type Severity, severityRank } from '../../core/severity';
import {
  evaluateNetworkReachability,
  NETWORK_REACHABILITY_PACKAGE,
  NETWORK_REACHABILITY_RULE_LIST,
} from '../../rules/network-reachability';
import { table } from '../format';

/** The configuration of a directory of AWS CLI outputs (absent files skipped; a bad one is a one-line error). */
export async function readCliOutputDirectory(dir: string): Promise<NetworkConfig> {
  const st = await fs.stat(dir).catch(() => undefined);
  if (!st?.isDirectory()) throw new Error(`--from ${dir} is not a directory`);
  const files = new Map<string, string>();
  for (const spec of CLI_OUTPUT_FILES) {
    const file = path.join(dir, spec.file);
    const fst = await fs.stat(file).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw new Error(`${spec.file}: ${err.message}`);
    });
    if (!fst) continue;
    if (!fst.isFile()) throw new Error(`${spec.file}: not a regular file`);
    if (fst.size > MAX_CLI_OUTPUT_BYTES)
      throw new Error(
        `${spec.file}: ${fst.size} bytes, more than the ${MAX_CLI_OUTPUT_BYTES} this command reads`,
      );
    files.set(spec.file, await fs.readFile(file, 'utf8'));
  }
  if (files.size === 0)
    throw new Error(`--from ${dir} holds none of the AWS CLI output files (${CLI_OUTPUT_FILES[0]!.file}, …)`);
  return networkConfigFromCliOutputs(files).config;
}

/** Read the directory's files (absent ones skipped), evaluate, and build the assess-shaped output. */
export async function networkReachabilityFromDirectory(dir: string): Promise<AssessmentOutput> {
  const config = await readCliOutputDirectory(dir);
  const createdAt = new Date().toISOString();
  const runId = newRunId(new Date(createdAt));
  const evaluation = evaluateNetworkReachability(config);
  const instances: InstanceSummary[] = config.instances.map((i) => {
    const name = i.Tags?.find((t) => t.Key === 'Name')?.Value;
    return {
      instanceId: i.InstanceId,
      ...(name ? { hostname: name } : {}),
      ...(i.PlatformDetails ? { os: i.PlatformDetails } : {}),
      agentStatus: 'UNKNOWN',
    };
  });
  const byId = new Map(instances.map((i) => [i.instanceId, i]));
  const results: RuleResult[] = [];
  const findings: Finding[] = [];
  const pkg = { rules: NETWORK_REACHABILITY_RULE_LIST };
  for (const r of evaluation.results) {
    const { identity: _identity, ...stored } = r;
    results.push(boundResult(stored));
    if (r.result === 'FAIL')
      findings.push(
        toFinding(r, pkg, byId.get(r.instanceId) ?? { instanceId: r.instanceId, agentStatus: 'UNKNOWN' }, {
          runId,
          createdAt,
        }),
      );
  }
  findings.sort(
    (a, b) => severityRank(a.severity) - severityRank(b.severity) || b.numericSeverity - a.numericSeverity,
  );
  const findingCounts = Object.fromEntries(
    SEVERITIES.map((s) => [s, findings.filter((f) => f.severity === s).length]),
  ) as Record<Severity, number>;
  const state = evaluation.exclusions.length ? 'COMPLETED_WITH_ERRORS' : 'COMPLETED';
  return {
    run: {
      runId,
      name: `network-reachability ${path.basename(path.resolve(dir))}`,
      state,
      stateHistory: [
        { state: 'CREATED', at: createdAt },
        { state: 'EVALUATING_RULES', at: createdAt },
        { state, at: createdAt },
      ],
      createdAt,
      startedAt: createdAt,
      completedAt: new Date().toISOString(),
      durationSeconds: 0,
      rulesPackages: [NETWORK_REACHABILITY_PACKAGE.id],
      findingCounts,
      mode: 'local',
    },
    instances,
    results,
    findings,
    exclusions: evaluation.exclusions.map(boundExclusion),
  };
}

function attr(f: Finding, key: string): string {
  return f.attributes.find((a) => a.key === key)?.value ?? '';
}

export function summary(output: AssessmentOutput, report: string | undefined): string {
  const lines: string[] = [];
  lines.push(
    `Network reachability of ${output.instances.length} instance(s): run ${output.run.runId} ${output.run.state}`,
  );
  lines.push(`Findings: ${SEVERITIES.map((s) => `${s} ${output.run.findingCounts[s]}`).join(', ')}`);
  if (output.findings.length) {
    lines.push('');
    lines.push(
      table(
        ['SEVERITY', 'INSTANCE', 'ENI', 'REACHABLE FROM', 'PORTS', 'RULE'],
        output.findings.map((f) => [
          f.severity,
          f.instanceId,
          attr(f, 'ENI'),
          attr(f, 'REACHABILITY_TYPE'),
          attr(f, 'PORT')
            ? `${attr(f, 'PROTOCOL')} ${attr(f, 'PORT')}${attr(f, 'PORT_GROUP_NAME') ? ` (${attr(f, 'PORT_GROUP_NAME')})` : ''}`
            : [
                attr(f, 'TCP_PORTS') && `TCP ${attr(f, 'TCP_PORTS')}`,
                attr(f, 'UDP_PORTS') && `UDP ${attr(f, 'UDP_PORTS')}`,
              ]
                .filter(Boolean)
                .join('; '),
          f.ruleId,
        ]),
      ),
    );
  }
  for (const e of output.exclusions)
    lines.push(`Excluded ${e.instanceId}${e.scope ? ` (${e.scope})` : ''}: ${e.message}`);
  if (report) lines.push(`Report: ${report}`);
  return `${lines.join('\n')}\n`;
}
