/**
 * Suppression rules (waivers): `inspector create-suppression-rule`, `list-suppression-rules`,
 * `delete-suppression-rule`, and their audit log, `list-suppression-audit` (who, when, what). The same
 * commands work on local runs and on a deployed stack: with `--local` or
 * `--data-dir DIR` they change <dataDir>/suppressions.json (the OS user is the audit's actor); otherwise they
 * call the stack's findings function like every other control-plane command (`--region`, `--profile`,
 * `--stack-name`), stating the caller's identity (sts:GetCallerIdentity) for the audit entry.
 */
import os from 'node:os';
import { type Command, Option } from 'commander';
import { defaultDataDir, ensureDataDir } from '../../adapters/local/data-dir';
import type { LocalSuppressionStore } from '../../adapters/local/suppression-file';
import type { ListedSuppressionRule } from '../../core/suppression-service';
import type { SuppressionAuditEntry, SuppressionRule, VexDecision } from '../../core/suppressions';
import { VEX_JUSTIFICATIONS } from '../../core/vex-justifications';
import { ControlPlaneCallError, createTransport } from '../aws-client';
import { renderKeyValues, renderTable } from './control-plane-output';

interface CommonOpts {
  local?: boolean;
  dataDir?: string;
  output: 'table' | 'json';
  region?: string;
  profile?: string;
  stackName?: string;
}

function where(cmd: Command): Command {
  return cmd
    .option('--local', 'suppression rules of local runs (the data directory), not of the stack')
    .option(
      '--data-dir <dir>',
      'local: the data directory (implies --local; default $INSPECTOR_DATA_DIR or ~/.local/share/inspector)',
    )
    .addOption(new Option('--output <format>', 'output format').choices(['table', 'json']).default('table'))
    .option('--region <region>', 'stack: AWS region (default: the SDK chain)')
    .option('--profile <profile>', 'stack: AWS shared-config profile')
    .option(
      '--stack-name <name>',
      'stack: CloudFormation stack whose outputs name the control-plane functions',
    );
}

const isLocal = (o: CommonOpts) => o.local === true || o.dataDir !== undefined;

// What the commands run is imported when one runs, not with this module (so --help loads none of it).
let service!: typeof import('../../core/suppression-service');
let suppressionRules!: typeof import('../../core/suppressions');
let storeModule!: typeof import('../../adapters/local/suppression-file');
async function load(): Promise<void> {
  [service, suppressionRules, storeModule] = await Promise.all([
    import('../../core/suppression-service'),
    import('../../core/suppressions'),
    import('../../adapters/local/suppression-file'),
  ]);
}

function localStore(o: CommonOpts): LocalSuppressionStore {
  return new storeModule.LocalSuppressionStore(ensureDataDir(o.dataDir ?? defaultDataDir()));
}

function osUser(): string {
  try {
    return `${os.userInfo().username}@${os.hostname()}`;
  } catch {
    return `uid ${process.getuid?.() ?? '?'}@${os.hostname()}`;
  }
}

async function callStack(o: CommonOpts, operation: string, input: Record<string, unknown>): Promise<unknown> {
  const transport = createTransport({
    ...(o.region ? { region: o.region } : {}),
    ...(o.profile ? { profile: o.profile } : {}),
    ...(o.stackName ? { stackName: o.stackName } : {}),
  });
  try {
    return await transport.call('findings', operation, input);
  } catch (err) {
    if (err instanceof ControlPlaneCallError) throw new Error(`${err.code}: ${err.message}`);
    throw err;
  }
}

/** The caller's ARN, stated in the audit entry of a change made in the stack. */
async function callerArn(o: CommonOpts): Promise<string> {
  // Loaded on use: local commands never need the STS client.
  const { GetCallerIdentityCommand, STSClient } = await import('@aws-sdk/client-sts');
  const sts = new STSClient({
    ...(o.region ? { region: o.region } : {}),
    ...(o.profile ? { profile: o.profile } : {}),
  });
  try {
    const out = await sts.send(new GetCallerIdentityCommand({}));
    if (!out.Arn) throw new Error('no ARN in the answer');
    return out.Arn;
  } catch (err) {
    throw new Error(
      `cannot tell who you are for the audit log (sts:GetCallerIdentity): ${(err as Error).message}`,
    );
  }
}

function print(o: CommonOpts, value: unknown, text: () => string): void {
  process.stdout.write(`${o.output === 'json' ? JSON.stringify(value, null, 2) : text()}\n`);
}

function vexText(v: VexDecision | undefined): string {
  if (!v) return 'affected (accepted risk)';
  return v.status === 'not_affected' ? `not_affected: ${v.justification}` : `affected: ${v.actionStatement}`;
}

function ruleBlock(r: SuppressionRule): string {
  return renderKeyValues([
    ['Suppression rule', r.suppressionRuleId],
    ['Matches', suppressionRules.describeMatch(r.match)],
    ['Owner', r.owner],
    ['Reason', r.reason],
    ['Expires on', `${r.expiresOn} (active again from that day, 00:00 UTC)`],
    ['VEX', vexText(r.vex)],
    ['Created', `${r.createdAt} by ${r.createdBy}`],
  ]);
}

function rulesTable(rules: ListedSuppressionRule[]): string {
  if (rules.length === 0) return '(none)';
  return renderTable(rules, [
    { header: 'SUPPRESSION RULE', value: (r) => r.suppressionRuleId },
    { header: 'STATUS', value: (r) => r.status },
    { header: 'EXPIRES ON', value: (r) => r.expiresOn },
    { header: 'OWNER', value: (r) => r.owner },
    { header: 'MATCHES', value: (r) => suppressionRules.describeMatch(r.match) },
    { header: 'REASON', value: (r) => r.reason },
  ]);
}

function auditTable(entries: SuppressionAuditEntry[]): string {
  if (entries.length === 0) return '(no change recorded)';
  return renderTable(entries, [
    { header: 'AT', value: (e) => e.at },
    { header: 'ACTION', value: (e) => e.action },
    { header: 'WHO', value: (e) => e.actor },
    { header: 'SUPPRESSION RULE', value: (e) => e.suppressionRuleId },
    { header: 'EXPIRES ON', value: (e) => e.rule.expiresOn },
    { header: 'OWNER', value: (e) => e.rule.owner },
    { header: 'MATCHES', value: (e) => suppressionRules.describeMatch(e.rule.match) },
    { header: 'REASON', value: (e) => e.rule.reason },
  ]);
}

interface AuditOpts extends CommonOpts {
  suppressionRuleId?: string;
  since?: string;
  until?: string;
}

interface CreateOpts extends CommonOpts {
  rulesPackage?: string;
  ruleId?: string;
  cve?: string;
  packageName?: string;
  instanceId?: string;
  instanceTag?: string;
  owner: string;
  reason: string;
  expiresOn: string;
  vexJustification?: string;
  vexActionStatement?: string;
}

/** The create input as the control plane and the local store take it (validated there). */
export function createInput(o: CreateOpts): Record<string, unknown> {
  if (o.vexJustification && o.vexActionStatement)
    throw new Error(
      '--vex-justification (not_affected) and --vex-action-statement (affected) exclude each other',
    );
  let instanceTag: { key: string; value?: string } | undefined;
  if (o.instanceTag !== undefined) {
    const i = o.instanceTag.indexOf('=');
    instanceTag =
      i < 0 ? { key: o.instanceTag } : { key: o.instanceTag.slice(0, i), value: o.instanceTag.slice(i + 1) };
  }
  const match = Object.fromEntries(
    Object.entries({
      rulesPackage: o.rulesPackage,
      ruleId: o.ruleId,
      cve: o.cve?.toUpperCase(),
      packageName: o.packageName,
      instanceId: o.instanceId,
      instanceTag,
    }).filter(([, v]) => v !== undefined),
  );
  const vex = o.vexJustification
    ? { status: 'not_affected', justification: o.vexJustification }
    : o.vexActionStatement
      ? { status: 'affected', actionStatement: o.vexActionStatement }
      : undefined;
  return { match, owner: o.owner, reason: o.reason, expiresOn: o.expiresOn, ...(vex ? { vex } : {}) };
}

export function register(program: Command): void {
  where(
    program
      .command('create-suppression-rule')
      .description(
        'Suppress matching findings until a date (a waiver): every criterion given must match; findings stay, marked and counted apart',
      )
      .option('--rules-package <id>', 'findings of this rules package (cve, cis, ...)')
      .option('--rule-id <id>', 'findings of this rule (e.g. sbp.ssh-root-login)')
      .option('--cve <id>', 'findings of this CVE')
      .option('--package-name <name>', 'findings about this OS package (binary or source name)')
      .option('--instance-id <id>', 'findings of this instance')
      .option('--instance-tag <key[=value]>', 'findings of instances carrying this tag (stack only)')
      .requiredOption('--owner <who>', 'who owns the decision')
      .requiredOption('--reason <text>', 'why the finding is accepted')
      .requiredOption(
        '--expires-on <YYYY-MM-DD>',
        'the first day the findings are active again (at most a year ahead)',
      )
      .addOption(
        new Option(
          '--vex-justification <justification>',
          'OpenVEX: not_affected, with this justification',
        ).choices(VEX_JUSTIFICATIONS),
      )
      .option(
        '--vex-action-statement <text>',
        'OpenVEX: affected (accepted risk), with this action statement',
      ),
  ).action(async (o: CreateOpts) => {
    await load();
    const input = createInput(o);
    if (isLocal(o)) {
      if (o.instanceTag !== undefined)
        process.stderr.write(
          'note: local runs have no instance tags: this rule will match no local finding\n',
        );
      const rule = await service.createSuppression(localStore(o), input, {
        now: new Date(),
        actor: osUser(),
        actorSource: 'os-user',
      });
      print(o, { suppressionRule: rule }, () => ruleBlock(rule));
      return;
    }
    const result = (await callStack(o, 'create-suppression-rule', {
      ...input,
      requestedBy: await callerArn(o),
    })) as { suppressionRule: SuppressionRule };
    print(o, result, () => ruleBlock(result.suppressionRule));
  });

  where(
    program
      .command('list-suppression-rules')
      .description('Suppression rules with their status now (ACTIVE, or EXPIRED from their expiry day)')
      .addOption(new Option('--status <status>', 'only these').choices(['ACTIVE', 'EXPIRED'])),
  ).action(async (o: CommonOpts & { status?: 'ACTIVE' | 'EXPIRED' }) => {
    await load();
    if (isLocal(o)) {
      const rules = await service.listSuppressions(
        localStore(o),
        new Date(),
        o.status ? { status: o.status } : {},
      );
      print(o, { items: rules }, () => rulesTable(rules));
      return;
    }
    const items: ListedSuppressionRule[] = [];
    let nextToken: string | undefined;
    do {
      const page = (await callStack(o, 'list-suppression-rules', {
        maxResults: 500,
        ...(o.status ? { status: o.status } : {}),
        ...(nextToken ? { nextToken } : {}),
      })) as { items: ListedSuppressionRule[]; nextToken?: string };
      items.push(...page.items);
      nextToken = page.nextToken;
    } while (nextToken);
    print(o, { items }, () => rulesTable(items));
  });

  where(
    program
      .command('list-suppression-audit')
      .description(
        'The waivers audit log, oldest first: who created or deleted which suppression rule, when, and the rule as it was',
      )
      .option('--suppression-rule-id <id>', 'only the changes of this rule')
      .option('--since <date>', 'from this ISO date or date-time on (inclusive)')
      .option('--until <date>', 'before this ISO date or date-time (exclusive)'),
  ).action(async (o: AuditOpts) => {
    await load();
    const filter = {
      ...(o.suppressionRuleId !== undefined ? { suppressionRuleId: o.suppressionRuleId } : {}),
      ...(o.since !== undefined ? { since: o.since } : {}),
      ...(o.until !== undefined ? { until: o.until } : {}),
    };
    const items: SuppressionAuditEntry[] = [];
    let nextToken: string | undefined;
    do {
      const page = isLocal(o)
        ? await service
            .listSuppressionAudit(localStore(o), {
              ...filter,
              maxResults: service.MAX_AUDIT_PAGE,
              ...(nextToken ? { nextToken } : {}),
            })
            .catch((err: Error) => {
              throw err instanceof suppressionRules.SuppressionInputError
                ? new Error(`InvalidInputException: ${err.message}`)
                : err;
            })
        : ((await callStack(o, 'list-suppression-audit', {
            ...filter,
            maxResults: 500,
            ...(nextToken ? { nextToken } : {}),
          })) as { items: SuppressionAuditEntry[]; nextToken?: string });
      items.push(...page.items);
      nextToken = page.nextToken;
    } while (nextToken);
    print(o, { items }, () => auditTable(items));
  });

  where(
    program
      .command('delete-suppression-rule')
      .description('Delete a suppression rule: its findings are active again (the audit log keeps the rule)')
      .requiredOption('--suppression-rule-id <id>', 'as list-suppression-rules prints it'),
  ).action(async (o: CommonOpts & { suppressionRuleId: string }) => {
    await load();
    if (isLocal(o)) {
      const deleted = await service.deleteSuppression(localStore(o), o.suppressionRuleId, {
        now: new Date(),
        actor: osUser(),
        actorSource: 'os-user',
      });
      if (!deleted)
        throw new Error(`NoSuchEntityException: suppression rule ${o.suppressionRuleId} does not exist`);
      print(o, { suppressionRuleId: o.suppressionRuleId }, () => `deleted ${o.suppressionRuleId}`);
      return;
    }
    const result = await callStack(o, 'delete-suppression-rule', {
      suppressionRuleId: o.suppressionRuleId,
      requestedBy: await callerArn(o),
    });
    print(o, result, () => `deleted ${o.suppressionRuleId}`);
  });
}
