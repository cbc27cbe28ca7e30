/**
 * OpenVEX 0.2.0 (OPENVEX-SPEC.md) of the suppression rules in force: one statement per active waiver that
 * names a CVE. A waiver whose VEX decision is `not_affected` says so with its justification (one of the
 * spec's five); any other waiver is accepted risk: `affected`, with an action statement (the waiver's own,
 * or "accepted until <expiry>: <reason>"). The products are the instances the waiver matches; with a run,
 * the instances of that run whose findings it suppresses, each with the affected packages' purls as
 * subcomponents. Waivers without a CVE (a rule id, a rules package) have no vulnerability to name in VEX:
 * they are returned in `skipped` with the reason.
 */
import { randomUUID } from 'node:crypto';
import type { Inventory } from '../core/facts/packages';
import type { Finding } from '../core/model';
import { applySuppressions, isActive, ruleMatches, type SuppressionRule } from '../core/suppressions';
import { packagePurl } from './purl';

export const OPENVEX_CONTEXT = 'https://openvex.dev/ns/v0.2.0';
const URN = 'urn:inspector-classic-selfhosted';

export interface OpenVexIdentifiers {
  purl?: string;
}
export interface OpenVexComponent {
  '@id'?: string;
  identifiers?: OpenVexIdentifiers;
  subcomponents?: Array<{ '@id'?: string; identifiers?: OpenVexIdentifiers }>;
}
export interface OpenVexStatement {
  '@id': string;
  vulnerability: { name: string };
  timestamp: string;
  products: OpenVexComponent[];
  status: 'not_affected' | 'affected';
  status_notes: string;
  justification?: string;
  action_statement?: string;
  action_statement_timestamp?: string;
}
export interface OpenVexDocument {
  '@context': string;
  '@id': string;
  author: string;
  timestamp: string;
  version: number;
  tooling: string;
  statements: OpenVexStatement[];
}

export interface OpenVexInput {
  rules: readonly SuppressionRule[];
  now: Date;
  author: string;
  /** A run to resolve products from: its findings and each instance's package inventory. */
  run?: { findings: readonly Finding[]; inventories: ReadonlyMap<string, Inventory> };
}

export interface OpenVexResult {
  /** Undefined when no waiver could be stated (the schema wants at least one statement). */
  document?: OpenVexDocument;
  skipped: Array<{ suppressionRuleId: string; reason: string }>;
}

const instanceIri = (id: string) => `${URN}:instance:${encodeURIComponent(id)}`;

function productsFromRule(rule: SuppressionRule): OpenVexComponent[] {
  const sub = rule.match.packageName
    ? [{ '@id': `${URN}:package:${encodeURIComponent(rule.match.packageName)}` }]
    : undefined;
  const id = rule.match.instanceId
    ? instanceIri(rule.match.instanceId)
    : rule.match.instanceTag
      ? `${URN}:instances-tagged:${encodeURIComponent(rule.match.instanceTag.key)}${rule.match.instanceTag.value !== undefined ? `=${encodeURIComponent(rule.match.instanceTag.value)}` : ''}`
      : `${URN}:any-instance`;
  return [{ '@id': id, ...(sub ? { subcomponents: sub } : {}) }];
}

function productsFromRun(
  rule: SuppressionRule,
  run: NonNullable<OpenVexInput['run']>,
  now: Date,
): OpenVexComponent[] {
  const byInstance = new Map<string, Set<string>>();
  for (const f of applySuppressions(run.findings, [rule], now)) {
    if (!f.suppression || !ruleMatches(rule.match, f)) continue;
    const purls = byInstance.get(f.instanceId) ?? new Set<string>();
    const inv = run.inventories.get(f.instanceId);
    for (const p of f.vulnerability?.packages ?? []) {
      const pkg = inv?.packages.find((x) => x.name === p.name && (p.arch === undefined || x.arch === p.arch));
      if (pkg && inv) purls.add(packagePurl(pkg, inv.distro));
    }
    byInstance.set(f.instanceId, purls);
  }
  return [...byInstance.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([id, purls]) => ({
      '@id': instanceIri(id),
      ...(purls.size > 0
        ? { subcomponents: [...purls].sort().map((purl) => ({ '@id': purl, identifiers: { purl } })) }
        : {}),
    }));
}

export function buildOpenVex(input: OpenVexInput): OpenVexResult {
  const skipped: OpenVexResult['skipped'] = [];
  const statements: OpenVexStatement[] = [];
  for (const rule of input.rules) {
    if (!isActive(rule, input.now)) continue;
    if (!rule.match.cve) {
      skipped.push({
        suppressionRuleId: rule.suppressionRuleId,
        reason: 'names no CVE (VEX states vulnerabilities)',
      });
      continue;
    }
    const products = input.run ? productsFromRun(rule, input.run, input.now) : productsFromRule(rule);
    if (products.length === 0) {
      skipped.push({ suppressionRuleId: rule.suppressionRuleId, reason: 'suppresses no finding of the run' });
      continue;
    }
    const notes = `waiver ${rule.suppressionRuleId} by ${rule.owner}, until ${rule.expiresOn}: ${rule.reason}`;
    const base = {
      '@id': `${URN}:suppression-rule:${encodeURIComponent(rule.suppressionRuleId)}`,
      vulnerability: { name: rule.match.cve },
      timestamp: rule.createdAt,
      products,
      status_notes: notes,
    };
    statements.push(
      rule.vex?.status === 'not_affected'
        ? { ...base, status: 'not_affected', justification: rule.vex.justification }
        : {
            ...base,
            status: 'affected',
            action_statement:
              rule.vex?.status === 'affected'
                ? rule.vex.actionStatement
                : `Risk accepted by ${rule.owner} until ${rule.expiresOn}: ${rule.reason}`,
            action_statement_timestamp: rule.createdAt,
          },
    );
  }
  if (statements.length === 0) return { skipped };
  return {
    document: {
      '@context': OPENVEX_CONTEXT,
      '@id': `urn:uuid:${randomUUID()}`,
      author: input.author,
      timestamp: input.now.toISOString(),
      version: 1,
      tooling: 'inspector-classic-selfhosted',
      statements,
    },
    skipped,
  };
}
