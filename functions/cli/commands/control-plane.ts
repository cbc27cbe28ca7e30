/**
 * The control-plane commands, Classic's operations in kebab-case: `inspector <operation> [options]
 * [--output table|json] [--region R] [--profile P] [--stack-name NAME] [--cli-input-json JSON]`. Thin: parse
 * the options into the operation's input, call the deployed control plane (aws-client.ts), print. Input is
 * validated by the control plane itself, so the CLI and direct Lambda callers get the same answers.
 */
import { type Command, Option } from 'commander';
import type { TargetTag } from '../../core/assessment';
import { groupOf, type OperationName } from '../../core/control-plane/operation-names';
import { RUN_EVENTS, RUN_STATES } from '../../core/run';
import { SEVERITIES } from '../../core/severity';
import { parseCisVariables } from '../../rules/cis/tailoring';
import { parseRuleParameters } from '../../rules/parameters';
import { ControlPlaneCallError, createTransport } from '../aws-client';
import { classicOperationsHelp } from './classic-operations';
import { type Column, joinTags, renderKeyValues, renderTable } from './control-plane-output';

type Opts = Record<string, unknown>;
type Row = Record<string, unknown>;

interface OperationSpec {
  name: OperationName;
  summary: string;
  options?: (cmd: Command) => void;
  input?: (o: Opts) => Record<string, unknown>;
  print?: (result: unknown) => string;
  /** Replaces the single call (get-assessment-report --out polls, then downloads). */
  action?: (
    o: Opts,
    call: (input: Record<string, unknown>) => Promise<unknown>,
    input: Record<string, unknown>,
  ) => Promise<unknown>;
}

// ---- option parsers --------------------------------------------------------------------------------------

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** `a,b c` (variadic and comma separated) → ['a', 'b', 'c']. */
function list(v: unknown): string[] | undefined {
  if (v === undefined) return undefined;
  const values = (Array.isArray(v) ? v : [v]).flatMap((x) => String(x).split(','));
  return values.map((s) => s.trim()).filter(Boolean);
}

function int(name: string) {
  return (v: string) => {
    if (!/^\d+$/.test(v)) throw new Error(`${name} must be a whole number, got "${v}"`);
    return Number(v);
  };
}

/** `Key` or `Key=v1,v2` → a target tag (any of the values). */
export function parseTargetTag(s: string): TargetTag {
  const i = s.indexOf('=');
  if (i < 0) return { key: s };
  const values = s
    .slice(i + 1)
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
  return values.length > 0 ? { key: s.slice(0, i), values } : { key: s.slice(0, i) };
}

export function parseKeyValue(s: string): { key: string; value: string } {
  const i = s.indexOf('=');
  if (i <= 0) throw new Error(`expected KEY=VALUE, got "${s}"`);
  return { key: s.slice(0, i), value: s.slice(i + 1) };
}

function parseTopic(s: string): { event: string; topicArn: string } {
  const { key, value } = parseKeyValue(s);
  return { event: key, topicArn: value };
}

/** Drops undefined fields so the control plane sees only what the user gave. */
/** --cis-profile, --cis-skip, --cis-variable as the template's `cis` (checked by the control plane). */
function cisOption(o: Opts): Record<string, unknown> | undefined {
  if (o.cisProfile === undefined && o.cisSkip === undefined && o.cisVariable === undefined) return undefined;
  return defined({
    profile: (o.cisProfile as string | undefined) ?? 'level1-server',
    skip:
      o.cisSkip === undefined
        ? undefined
        : String(o.cisSkip)
            .split(',')
            .map((x) => x.trim())
            .filter(Boolean),
    variables: o.cisVariable ? parseCisVariables(o.cisVariable as string[]) : undefined,
  });
}

function defined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

const page = (o: Opts) => ({ maxResults: o.maxResults, nextToken: o.nextToken });
const pageOptions = (cmd: Command) =>
  cmd
    .option('--max-results <n>', 'items per page (1-500)', int('--max-results'))
    .option('--next-token <token>', 'continue from the previous page');

// ---- printers ----------------------------------------------------------------------------------------------

function items(result: unknown): Row[] {
  return ((result as { items?: Row[] }).items ?? []) as Row[];
}

function withNextToken(result: unknown, text: string): string {
  const token = (result as { nextToken?: string }).nextToken;
  return token ? `${text}\n\nmore: --next-token ${token}` : text;
}

function failed(result: unknown): string {
  const f = ((result as { failedItems?: Array<{ id: string; failureCode: string }> }).failedItems ?? []).map(
    (x) => `failed: ${x.id} (${x.failureCode})`,
  );
  return f.length > 0 ? `\n${f.join('\n')}` : '';
}

const col = <T extends Row>(header: string, value: (r: T) => unknown): Column<T> => ({
  header,
  value: (r) => value(r) as string | number | undefined,
});

const tablePrinter =
  (columns: Array<Column<Row>>, key?: string) =>
  (result: unknown): string => {
    const rows = key ? ((result as Record<string, Row[]>)[key] ?? []) : items(result);
    const text = rows.length === 0 ? '(none)' : renderTable(rows, columns);
    return key ? text + failed(result) : withNextToken(result, text);
  };

const keyValues = (result: unknown) =>
  renderKeyValues(
    Object.entries(result as Row).map(([k, v]) => [
      k,
      typeof v === 'object' ? JSON.stringify(v) : (v as string),
    ]),
  );

const targetColumns = [
  col('TARGET ID', (t) => t.targetId),
  col('NAME', (t) => t.name),
  col('TAGS', (t) => (Array.isArray(t.tags) && t.tags.length > 0 ? joinTags(t.tags) : '(all instances)')),
  col('UPDATED', (t) => t.updatedAt),
];
const templateColumns = [
  col('TEMPLATE ID', (t) => t.templateId),
  col('NAME', (t) => t.name),
  col('TARGET', (t) => t.targetId),
  col('RULES PACKAGES', (t) => (t.rulesPackages as string[]).join(',')),
  col('DURATION', (t) => `${t.durationSeconds}s`),
  col('SCHEDULE', (t) => t.schedule),
];
const runColumns = [
  col('RUN ID', (r) => r.runId),
  col('NAME', (r) => r.name),
  col('STATE', (r) => r.state),
  col('TEMPLATE', (r) => r.templateId),
  col('CREATED', (r) => r.createdAt),
  col('FINDINGS H/M/L/I', (r) => {
    const c = r.findingCounts as Record<string, number> | undefined;
    return c ? `${c.High ?? 0}/${c.Medium ?? 0}/${c.Low ?? 0}/${c.Informational ?? 0}` : '-';
  }),
];

/** `High 1, Medium 0, Low 0, Informational 0`, or undefined (the row is left out) without counts. */
function severityCounts(v: unknown): string | undefined {
  const c = v as Record<string, number> | undefined;
  if (!c) return undefined;
  return ['High', 'Medium', 'Low', 'Informational'].map((s) => `${s} ${c[s] ?? 0}`).join(', ');
}

function printRuns(result: unknown): string {
  const { runs } = result as { runs: Row[] };
  const blocks = runs.map((r) => {
    const head = renderKeyValues([
      ['Run', r.runId as string],
      ['Name', r.name as string],
      ['State', r.state as string],
      ['Template', r.templateId as string],
      ['Rules packages', ((r.rulesPackages as string[]) ?? []).join(', ')],
      ['Duration', `${r.durationSeconds}s`],
      ['Created', r.createdAt as string],
      ['Completed', r.completedAt as string | undefined],
      ['Findings', severityCounts(r.findingCounts)],
      ['Suppressed (waived)', severityCounts(r.suppressedFindingCounts)],
    ]);
    const history = renderTable((r.stateHistory as Row[]) ?? [], [
      col('STATE', (h) => h.state),
      col('AT', (h) => h.at),
    ]);
    const instances = (r.instances as Row[]) ?? [];
    const inst =
      instances.length === 0
        ? '(no instance records yet)'
        : renderTable(instances, [
            col('INSTANCE', (i) => i.instanceId),
            col('AGENT', (i) => i.agentHealth ?? i.agentStatus),
            col('COLLECTION', (i) => i.collection),
            col('EVALUATION', (i) => i.evaluation),
            col(
              'EXCLUSIONS',
              (i) =>
                ((i.exclusions as Array<{ reason: string }>) ?? []).map((e) => e.reason).join(',') || '-',
            ),
          ]);
    return `${head}\n\nState history\n${history}\n\nInstances\n${inst}`;
  });
  return (blocks.length > 0 ? blocks.join('\n\n') : '(none)') + failed(result);
}

function printFindings(result: unknown): string {
  const { findings } = result as { findings: Row[] };
  const blocks = findings.map((f) =>
    renderKeyValues([
      ['Finding', `${f.runId}/${f.id}`],
      ['Title', f.title as string],
      ['Severity', `${f.severity} (${f.numericSeverity})`],
      ['Instance', f.instanceId as string],
      ['Rule', `${f.rulesPackage} ${f.ruleId}`],
      ['Description', f.description as string],
      ['Recommendation', f.recommendation as string],
      ['Attributes', joinTags((f.attributes as Array<{ key: string; value: string }>) ?? [])],
      [
        'Evidence',
        ((f.evidence as Array<Record<string, unknown>>) ?? [])
          .map(
            (e) =>
              `${e.source}${e.line ? `:${e.line}` : ''}${e.key ? ` ${e.key}` : ''}${e.value !== undefined ? `=${e.value}` : ''}`,
          )
          .join('; '),
      ],
      ['Created', f.createdAt as string],
    ]),
  );
  return (blocks.length > 0 ? blocks.join('\n\n') : '(none)') + failed(result);
}

function printExclusions(key: 'exclusions' | 'exclusionPreviews') {
  return (result: unknown): string => {
    const list = ((result as Record<string, Row[]>)[key] ?? []) as Row[];
    const blocks = list.map((e) => {
      const scopes = (e.scopes as Array<{ key: string; value: string }>) ?? [];
      return renderKeyValues([
        ...(e.exclusionId ? ([['Exclusion', e.exclusionId as string]] as Array<[string, string]>) : []),
        ['Title', e.title as string],
        ['Description', e.description as string],
        ['Recommendation', e.recommendation as string],
        ['Scopes', scopes.map((s) => `${s.key}=${s.value}`).join(', ')],
        ['Attributes', joinTags((e.attributes as Array<{ key: string; value: string }>) ?? [])],
      ]);
    });
    const status = (result as { previewStatus?: string }).previewStatus;
    const head = status ? `Preview status  ${status}\n\n` : '';
    const body =
      blocks.length > 0
        ? blocks.join('\n\n')
        : status === 'WORK_IN_PROGRESS'
          ? '(not ready yet: ask again)'
          : '(none)';
    return key === 'exclusions' ? head + body + failed(result) : withNextToken(result, head + body);
  };
}

function sumBytes(metadata: unknown): number {
  return ((metadata as Array<{ dataSize?: number }>) ?? []).reduce((n, m) => n + (m.dataSize ?? 0), 0);
}

/** `rule:name=value, ...` (the --rule-parameter form), or '-'. */
function ruleParametersText(v: unknown): string {
  const byRule = (v ?? {}) as Record<string, Record<string, unknown>>;
  const parts = Object.entries(byRule).flatMap(([rule, params]) =>
    Object.entries(params).map(([name, value]) => `${rule}:${name}=${String(value)}`),
  );
  return parts.length > 0 ? parts.join(', ') : '-';
}

// ---- the operations ---------------------------------------------------------------------------------------

const SPECS: OperationSpec[] = [
  {
    name: 'create-assessment-target',
    summary: 'Create a target: instances with any of the tags (no tag = every instance)',
    options: (c) =>
      c
        .requiredOption('--name <name>', 'target name')
        .option('--tag <key[=v1,v2]>', 'tag key, optionally with values (repeatable)', collect),
    input: (o) => defined({ name: o.name, tags: (o.tag as string[] | undefined)?.map(parseTargetTag) }),
    print: keyValues,
  },
  {
    name: 'update-assessment-target',
    summary: "Replace a target's name and tags",
    options: (c) =>
      c
        .requiredOption('--target-id <id>', 'target')
        .requiredOption('--name <name>', 'new name')
        .option('--tag <key[=v1,v2]>', 'tag key, optionally with values (repeatable)', collect),
    input: (o) =>
      defined({
        targetId: o.targetId,
        name: o.name,
        tags: (o.tag as string[] | undefined)?.map(parseTargetTag),
      }),
    print: keyValues,
  },
  {
    name: 'delete-assessment-target',
    summary: 'Delete a target that no template uses',
    options: (c) => c.requiredOption('--target-id <id>', 'target'),
    input: (o) => ({ targetId: o.targetId }),
    print: keyValues,
  },
  {
    name: 'list-assessment-targets',
    summary: 'List targets',
    options: (c) => pageOptions(c.option('--name-pattern <glob>', 'names matching (* and ?)')),
    input: (o) => defined({ namePattern: o.namePattern, ...page(o) }),
    print: tablePrinter(targetColumns),
  },
  {
    name: 'describe-assessment-targets',
    summary: 'Describe targets',
    options: (c) => c.requiredOption('--target-ids <ids...>', 'targets'),
    input: (o) => ({ targetIds: list(o.targetIds) }),
    print: tablePrinter(targetColumns, 'targets'),
  },
  {
    name: 'preview-agents',
    summary: "The instances a target selects now, with their SSM agent's health",
    options: (c) => pageOptions(c.requiredOption('--target-id <id>', 'target')),
    input: (o) => defined({ targetId: o.targetId, ...page(o) }),
    print: tablePrinter([
      col('INSTANCE', (a) => a.instanceId),
      col('AGENT HEALTH', (a) => a.agentHealth),
      col('SSM STATUS', (a) => a.agentStatus),
      col('OS', (a) => a.operatingSystem),
      col('AGENT VERSION', (a) => a.agentVersion),
      col('ASG', (a) => a.autoScalingGroup),
    ]),
  },
  {
    name: 'create-assessment-template',
    summary: 'Create an (immutable) assessment template',
    options: (c) =>
      c
        .requiredOption('--name <name>', 'template name')
        .requiredOption('--target-id <id>', 'target')
        .requiredOption('--rules-packages <ids...>', 'rules packages (see list-rules-packages)')
        .requiredOption('--duration <seconds>', 'data collection duration in seconds', int('--duration'))
        .option('--user-attribute <key=value>', 'attribute added to every finding (repeatable)', collect)
        .option('--topic <EVENT=topicArn>', 'SNS topic for an event (repeatable)', collect)
        .option('--tag <key=value>', 'template tag (repeatable)', collect)
        .option('--schedule <expression>', 'EventBridge Scheduler expression: rate(...) or cron(...)')
        .option(
          '--rule-parameter <rule:name=value>',
          'rule parameter for every run, e.g. sbp.password-min-length:minLength=16 (repeatable)',
          collect,
        )
        .option('--cis-profile <profile>', 'cis package: level1-server (default) or level2-server')
        .option(
          '--cis-skip <list>',
          'cis package: comma-separated controls not to evaluate (sections such as 1.1.1.1, or cis.<benchmark>.<section>)',
        )
        .option(
          '--cis-variable <name=value>',
          'cis package: override a ComplianceAsCode variable, e.g. var_password_pam_minlen=16 (repeatable)',
          collect,
        ),
    input: (o) =>
      defined({
        name: o.name,
        targetId: o.targetId,
        rulesPackages: list(o.rulesPackages),
        durationSeconds: o.duration,
        userAttributes: (o.userAttribute as string[] | undefined)?.map(parseKeyValue),
        topics: (o.topic as string[] | undefined)?.map(parseTopic),
        tags: (o.tag as string[] | undefined)?.map(parseKeyValue),
        schedule: o.schedule,
        ruleParameters: o.ruleParameter ? parseRuleParameters(o.ruleParameter as string[]) : undefined,
        cis: cisOption(o),
      }),
    print: keyValues,
  },
  {
    name: 'delete-assessment-template',
    summary: 'Delete a template (and its schedule); its runs stay',
    options: (c) => c.requiredOption('--template-id <id>', 'template'),
    input: (o) => ({ templateId: o.templateId }),
    print: keyValues,
  },
  {
    name: 'list-assessment-templates',
    summary: 'List templates',
    options: (c) =>
      pageOptions(
        c
          .option('--target-id <id>', 'templates of a target')
          .option('--name-pattern <glob>', 'names matching'),
      ),
    input: (o) => defined({ targetId: o.targetId, namePattern: o.namePattern, ...page(o) }),
    print: tablePrinter(templateColumns),
  },
  {
    name: 'describe-assessment-templates',
    summary: 'Describe templates',
    options: (c) => c.requiredOption('--template-ids <ids...>', 'templates'),
    input: (o) => ({ templateIds: list(o.templateIds) }),
    print: (r) => {
      const { templates } = r as { templates: Row[] };
      const extra = templates
        .map(
          (t) =>
            `\n${t.templateId}: attributes ${joinTags(t.userAttributes as Array<{ key: string; value: string }>)}; ` +
            `tags ${joinTags(t.tags as Array<{ key: string; value: string }>)}; ` +
            `topics ${((t.topics as Array<{ event: string; topicArn: string }>) ?? []).map((s) => `${s.event}=${s.topicArn}`).join(', ') || '-'}; ` +
            `rule parameters ${ruleParametersText(t.ruleParameters)}` +
            (t.cis ? `; cis ${JSON.stringify(t.cis)}` : ''),
        )
        .join('');
      return tablePrinter(templateColumns, 'templates')(r) + extra;
    },
  },
  {
    name: 'list-tags-for-resource',
    summary: "A template's tags",
    options: (c) => c.requiredOption('--resource-id <templateId>', 'template'),
    input: (o) => ({ resourceId: o.resourceId }),
    print: (r) => {
      const { tags } = r as { tags: Row[] };
      return tags.length === 0
        ? '(none)'
        : renderTable(tags, [col('KEY', (t) => t.key), col('VALUE', (t) => t.value)]);
    },
  },
  {
    name: 'set-tags-for-resource',
    summary: "Replace a template's tags (no --tag removes them all)",
    options: (c) =>
      c
        .requiredOption('--resource-id <templateId>', 'template')
        .option('--tag <key=value>', 'tag (repeatable)', collect),
    input: (o) => ({
      resourceId: o.resourceId,
      tags: ((o.tag as string[] | undefined) ?? []).map(parseKeyValue),
    }),
    print: keyValues,
  },
  ...(['subscribe-to-event', 'unsubscribe-from-event'] as const).map(
    (name): OperationSpec => ({
      name,
      summary:
        name === 'subscribe-to-event'
          ? "Send a template's event to an SNS topic"
          : 'Remove an event subscription',
      options: (c) =>
        c
          .requiredOption('--template-id <id>', 'template')
          .addOption(new Option('--event <event>', 'event').choices(RUN_EVENTS).makeOptionMandatory())
          .requiredOption('--topic-arn <arn>', 'SNS topic ARN'),
      input: (o) => ({ templateId: o.templateId, event: o.event, topicArn: o.topicArn }),
      print: keyValues,
    }),
  ),
  {
    name: 'list-event-subscriptions',
    summary: 'Event subscriptions of one template or all',
    options: (c) => pageOptions(c.option('--template-id <id>', 'template')),
    input: (o) => defined({ templateId: o.templateId, ...page(o) }),
    print: tablePrinter([
      col('TEMPLATE', (s) => s.templateId),
      col('EVENT', (s) => s.event),
      col('TOPIC', (s) => s.topicArn),
    ]),
  },
  {
    name: 'start-assessment-run',
    summary: 'Start a run of a template (StartExecution of the state machine)',
    options: (c) => c.requiredOption('--template-id <id>', 'template').option('--name <name>', 'run name'),
    input: (o) => defined({ templateId: o.templateId, name: o.name }),
    print: keyValues,
  },
  {
    name: 'stop-assessment-run',
    summary: 'Stop a run: evaluate what was collected, or skip evaluation',
    options: (c) =>
      c
        .requiredOption('--run-id <id>', 'run')
        .addOption(
          new Option('--stop-action <action>', 'what to do with collected data')
            .choices(['START_EVALUATION', 'SKIP_EVALUATION'])
            .default('START_EVALUATION'),
        ),
    input: (o) => ({ runId: o.runId, stopAction: o.stopAction }),
    print: keyValues,
  },
  {
    name: 'delete-assessment-run',
    summary: 'Delete a finished run with its findings, telemetry and reports',
    options: (c) => c.requiredOption('--run-id <id>', 'run'),
    input: (o) => ({ runId: o.runId }),
    print: keyValues,
  },
  {
    name: 'list-assessment-runs',
    summary: 'List runs (newest first within a template or state)',
    options: (c) =>
      pageOptions(
        c
          .option('--template-id <id>', 'runs of a template')
          .addOption(new Option('--states <states...>', 'run states').choices(RUN_STATES))
          .option('--name-pattern <glob>', 'names matching')
          .option('--created-after <iso-time>', 'created at or after')
          .option('--created-before <iso-time>', 'created at or before'),
      ),
    input: (o) =>
      defined({
        templateId: o.templateId,
        states: list(o.states),
        namePattern: o.namePattern,
        createdAfter: o.createdAfter,
        createdBefore: o.createdBefore,
        ...page(o),
      }),
    print: tablePrinter(runColumns),
  },
  {
    name: 'describe-assessment-runs',
    summary: 'Runs with their state history and per-instance agent status',
    options: (c) => c.requiredOption('--run-ids <ids...>', 'runs'),
    input: (o) => ({ runIds: list(o.runIds) }),
    print: printRuns,
  },
  {
    name: 'list-assessment-run-agents',
    summary: "A run's agents: health and health code, SSM command, Auto Scaling group, telemetry sent",
    options: (c) =>
      pageOptions(
        c
          .requiredOption('--run-id <id>', 'run')
          .addOption(
            new Option('--agent-healths <healths...>', 'agent health').choices([
              'HEALTHY',
              'UNHEALTHY',
              'UNKNOWN',
            ]),
          )
          .addOption(
            new Option('--agent-health-codes <codes...>', 'agent health code').choices([
              'IDLE',
              'RUNNING',
              'SHUTDOWN',
              'UNHEALTHY',
              'THROTTLED',
              'UNKNOWN',
            ]),
          ),
      ),
    input: (o) =>
      defined({
        runId: o.runId,
        filter:
          o.agentHealths || o.agentHealthCodes
            ? defined({ agentHealths: list(o.agentHealths), agentHealthCodes: list(o.agentHealthCodes) })
            : undefined,
        ...page(o),
      }),
    print: tablePrinter([
      col('AGENT', (a) => a.agentId),
      col('HEALTH', (a) => a.agentHealth),
      col('CODE', (a) => a.agentHealthCode),
      col('COMMAND', (a) => a.commandStatus),
      col('ASG', (a) => a.autoScalingGroup),
      col('TELEMETRY BYTES', (a) =>
        ((a.telemetryMetadata as unknown[]) ?? []).length > 0 ? sumBytes(a.telemetryMetadata) : undefined,
      ),
      col('DETAILS', (a) => a.agentHealthDetails),
    ]),
  },
  {
    name: 'get-telemetry-metadata',
    summary: 'What the agents of a run sent, per telemetry section: count and bytes',
    options: (c) => c.requiredOption('--run-id <id>', 'run'),
    input: (o) => ({ runId: o.runId }),
    print: (r) => {
      const { telemetryMetadata, instancesReported } = r as {
        telemetryMetadata: Row[];
        instancesReported: number;
      };
      const table =
        telemetryMetadata.length === 0
          ? '(no telemetry evaluated yet)'
          : renderTable(telemetryMetadata, [
              col('MESSAGE TYPE', (m) => m.messageType),
              col('COUNT', (m) => m.count),
              col('BYTES', (m) => m.dataSize),
            ]);
      return `${table}\n\ninstances reported: ${instancesReported}`;
    },
  },
  {
    name: 'list-exclusions',
    summary: 'What a run could not assess (instances, or parts of them), and why',
    options: (c) => pageOptions(c.requiredOption('--run-id <id>', 'run')),
    input: (o) => defined({ runId: o.runId, ...page(o) }),
    print: tablePrinter([
      col('EXCLUSION', (e) => e.exclusionId),
      col('INSTANCE', (e) => e.instanceId),
      col('REASON', (e) => e.reason),
      col('TITLE', (e) => e.title),
    ]),
  },
  {
    name: 'describe-exclusions',
    summary: 'Exclusions in full: description, recommendation, scopes, attributes',
    options: (c) =>
      c.requiredOption('--exclusion-ids <ids...>', 'exclusions (<runId>/<instanceId>/<REASON>)'),
    input: (o) => ({ exclusionIds: list(o.exclusionIds) }),
    print: printExclusions('exclusions'),
  },
  {
    name: 'create-exclusions-preview',
    summary: 'Start computing which instances a run of a template would leave out, and why',
    options: (c) => c.requiredOption('--template-id <id>', 'template'),
    input: (o) => ({ templateId: o.templateId }),
    print: keyValues,
  },
  {
    name: 'get-exclusions-preview',
    summary: 'An exclusions preview: WORK_IN_PROGRESS, then COMPLETED with its exclusions',
    options: (c) =>
      pageOptions(
        c
          .requiredOption('--template-id <id>', 'template')
          .requiredOption('--preview-token <token>', 'as create-exclusions-preview printed it'),
      ),
    input: (o) => defined({ templateId: o.templateId, previewToken: o.previewToken, ...page(o) }),
    print: printExclusions('exclusionPreviews'),
  },
  {
    name: 'list-findings',
    summary: 'List findings (filters combine with AND)',
    options: (c) =>
      pageOptions(
        c
          .option('--run-ids <ids...>', 'runs')
          .option('--instance-ids <ids...>', 'instances')
          .addOption(new Option('--severities <severities...>', 'severities').choices(SEVERITIES))
          .option('--rules-packages <ids...>', 'rules packages')
          .option('--attribute <key=value>', 'finding attribute (repeatable)', collect)
          .option('--created-after <iso-time>', 'created at or after')
          .option('--created-before <iso-time>', 'created at or before'),
      ),
    input: (o) =>
      defined({
        runIds: list(o.runIds),
        instanceIds: list(o.instanceIds),
        severities: list(o.severities),
        rulesPackages: list(o.rulesPackages),
        attributes: (o.attribute as string[] | undefined)?.map(parseKeyValue),
        createdAfter: o.createdAfter,
        createdBefore: o.createdBefore,
        ...page(o),
      }),
    print: tablePrinter([
      col('FINDING', (f) => f.findingId),
      col('SEVERITY', (f) => f.severity),
      col('INSTANCE', (f) => f.instanceId),
      col('RULE', (f) => f.ruleId),
      col('TITLE', (f) => f.title),
    ]),
  },
  {
    name: 'describe-findings',
    summary: 'Findings in full (ids as printed by list-findings: <runId>/<findingId>)',
    options: (c) => c.requiredOption('--finding-ids <ids...>', 'findings'),
    input: (o) => ({ findingIds: list(o.findingIds) }),
    print: printFindings,
  },
  {
    name: 'add-attributes-to-findings',
    summary: 'Add attributes to findings (an existing key takes the new value)',
    options: (c) =>
      c
        .requiredOption('--finding-ids <ids...>', 'findings (<runId>/<findingId>)')
        .requiredOption('--attribute <key=value>', 'attribute (repeatable)', collect),
    input: (o) => ({
      findingIds: list(o.findingIds),
      attributes: (o.attribute as string[]).map(parseKeyValue),
    }),
    print: (r) => (failed(r) ? failed(r).trimStart() : 'attributes added'),
  },
  {
    name: 'remove-attributes-from-findings',
    summary: 'Remove the attributes with these keys from findings',
    options: (c) =>
      c
        .requiredOption('--finding-ids <ids...>', 'findings (<runId>/<findingId>), at most 10')
        .requiredOption('--attribute-keys <keys...>', 'attribute keys, at most 10'),
    input: (o) => ({ findingIds: list(o.findingIds), attributeKeys: list(o.attributeKeys) }),
    print: (r) => (failed(r) ? failed(r).trimStart() : 'attributes removed'),
  },
  {
    name: 'list-rules-packages',
    summary: 'Rules packages a template can choose',
    input: () => ({}),
    print: tablePrinter([
      col('ID', (p) => p.id),
      col('NAME', (p) => p.name),
      col('VERSION', (p) => p.version),
      col('AGENT', (p) => (p.requiresAgent ? 'yes' : 'no')),
      col('AVAILABLE', (p) => (p.available ? 'yes' : 'not yet')),
    ]),
  },
  {
    name: 'describe-rules-packages',
    summary: 'Rules packages in full',
    options: (c) => c.requiredOption('--rules-packages <ids...>', 'rules packages'),
    input: (o) => ({ rulesPackages: list(o.rulesPackages) }),
    print: tablePrinter(
      [
        col('ID', (p) => p.id),
        col('NAME', (p) => p.name),
        col('VERSION', (p) => p.version),
        col('DESCRIPTION', (p) => p.description),
      ],
      'rulesPackages',
    ),
  },
  {
    name: 'get-assessment-report',
    summary:
      "A deployed run's report (HTML or PDF, findings or full): WORK_IN_PROGRESS, then COMPLETED with a pre-signed URL (--out: wait, then download)",
    options: (c) =>
      c
        .requiredOption('--run-id <id>', 'assessment run')
        .addOption(new Option('--format <format>', 'file format').choices(['html', 'pdf']).default('html'))
        .addOption(
          new Option('--report-type <type>', 'findings only, or every rule result too')
            .choices(['finding', 'full'])
            .default('finding'),
        )
        .option('--out <file>', 'wait until the report is ready and write it to FILE')
        .option('--wait-seconds <n>', 'with --out: give up after this long', int('--wait-seconds'), 600)
        .option('--poll-seconds <n>', 'with --out: ask again this often', int('--poll-seconds'), 5),
    input: (o) => ({
      assessmentRunId: o.runId,
      reportFileFormat: String(o.format).toUpperCase(),
      reportType: String(o.reportType).toUpperCase(),
    }),
    action: async (o, call, input) => {
      if (!o.out) return call(input);
      const { downloadReport } = await import('./report-download');
      return downloadReport(call, input, {
        out: String(o.out),
        waitSeconds: Number(o.waitSeconds),
        pollSeconds: Number(o.pollSeconds),
      });
    },
    print: keyValues,
  },
];

export const CLI_OPERATIONS: readonly OperationName[] = SPECS.map((s) => s.name);

function parseCliInputJson(text: unknown): Record<string, unknown> {
  if (text === undefined) return {};
  let value: unknown;
  try {
    value = JSON.parse(String(text));
  } catch (err) {
    throw new Error(`--cli-input-json is not JSON: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error('--cli-input-json must be a JSON object');
  }
  return value as Record<string, unknown>;
}

export function register(program: Command): void {
  program.addHelpText('after', classicOperationsHelp());
  for (const spec of SPECS) {
    const cmd = program.command(spec.name).description(spec.summary);
    spec.options?.(cmd);
    cmd
      .addOption(new Option('--output <format>', 'output format').choices(['table', 'json']).default('table'))
      .option('--region <region>', 'AWS region (default: the SDK chain)')
      .option('--profile <profile>', 'AWS shared-config profile')
      .option('--stack-name <name>', 'CloudFormation stack whose outputs name the control-plane functions')
      .option(
        '--cli-input-json <json>',
        'the operation input as a JSON object (options override its fields)',
      );
    cmd.action(async (o: Opts) => {
      const input = { ...parseCliInputJson(o.cliInputJson), ...(spec.input?.(o) ?? {}) };
      const transport = createTransport(
        defined({ region: o.region, profile: o.profile, stackName: o.stackName }) as {
          region?: string;
          profile?: string;
          stackName?: string;
        },
      );
      let result: unknown;
      try {
        const call = (i: Record<string, unknown>) => transport.call(groupOf(spec.name), spec.name, i);
        result = spec.action ? await spec.action(o, call, input) : await call(input);
      } catch (err) {
        if (err instanceof ControlPlaneCallError) throw new Error(`${err.code}: ${err.message}`);
        throw err;
      }
      const text = o.output === 'json' ? JSON.stringify(result, null, 2) : (spec.print ?? keyValues)(result);
      process.stdout.write(`${text}\n`);
    });
  }
}
