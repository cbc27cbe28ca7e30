/**
 * The HTML report of an assessment run: one self-contained file an auditor can be handed (and that will later be
 * printed to PDF). No external assets and no scripts: CSS is inline and pinned by hash in a Content-Security-Policy
 * that forbids every remote load; the severity chart is inline SVG with its numbers also printed as text.
 *
 * Every value that came from telemetry, findings or the run record goes through `escapeHtml`, the one escape
 * helper, by way of the `html` tagged template: interpolations are escaped unless they are already-built markup.
 */
import { createHash } from 'node:crypto';
import { endpoint } from '../core/facts/runtime';
import type {
  Attribute,
  Evidence,
  Finding,
  ListeningSummary,
  RuleResult,
  VulnerabilityDetails,
} from '../core/model';
import type { AssessmentOutput } from '../core/run';
import { NUMERIC_SEVERITY, SEVERITIES, type Severity } from '../core/severity';
import type { RunDiff } from './diff';
import type { HostFixPlan } from './fix-plan';
import {
  buildReportModel,
  type ComplianceGroup,
  isSuppressed,
  RESULT_ORDER,
  type ReportModel,
  type ReportOptions,
  type SectionScore,
  scoreText,
  sectionOf,
} from './model';

export type { RulesPackageRef } from './model';
export type HtmlReportOptions = ReportOptions;

// ---------------------------------------------------------------------------------------------------------------
// Escaping: one helper, and a tagged template that applies it to every interpolation.

/** Escapes &, <, >, " and ' so the value reads as text in element content and in quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => {
    switch (c) {
      case '&':
        return '&amp;';
      case '<':
        return '&lt;';
      case '>':
        return '&gt;';
      case '"':
        return '&quot;';
      default:
        return '&#39;';
    }
  });
}

/** Markup built by `html` (its interpolations already escaped). Only `html` creates one. */
class SafeHtml {
  constructor(readonly markup: string) {}
  toString(): string {
    return this.markup;
  }
}

type Part = SafeHtml | string | number | boolean | null | undefined | readonly Part[];

function isPartList(p: Part): p is readonly Part[] {
  return Array.isArray(p);
}

function renderPart(p: Part): string {
  if (p instanceof SafeHtml) return p.markup;
  if (isPartList(p)) return p.map(renderPart).join('');
  if (p === null || p === undefined || p === false) return '';
  return escapeHtml(p);
}

function html(strings: TemplateStringsArray, ...values: Part[]): SafeHtml {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) out += renderPart(values[i]) + (strings[i + 1] ?? '');
  return new SafeHtml(out);
}

// ---------------------------------------------------------------------------------------------------------------
// Style. Kept free of url(), @import and fonts that would need loading; pinned by its hash in the CSP.

const SEVERITY_COLOUR: Readonly<Record<Severity, string>> = {
  High: '#b3261e',
  Medium: '#c25e00',
  Low: '#9a7d0a',
  Informational: '#56606b',
};

const SEVERITY_CLASS: Readonly<Record<Severity, string>> = {
  High: 'sev-high',
  Medium: 'sev-medium',
  Low: 'sev-low',
  Informational: 'sev-info',
};

const CSS = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0 auto; max-width: 1100px; padding: 24px 32px 48px; color: #1d2329; background: #fff;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
header.report { border-bottom: 3px solid #232f3e; padding-bottom: 12px; margin-bottom: 20px; }
header.report .eyebrow { text-transform: uppercase; letter-spacing: .08em; font-size: 11px; color: #56606b; margin: 0; }
h1 { font-size: 26px; margin: 4px 0 2px; }
h1 .run-name { font-weight: 400; }
header.report .meta { margin: 0; color: #56606b; font-size: 12px; }
h2 { font-size: 19px; margin: 32px 0 10px; padding-bottom: 4px; border-bottom: 1px solid #d5dbe1; }
h3 { font-size: 16px; margin: 22px 0 8px; }
h4 { font-size: 15px; margin: 0 0 6px; }
h5 { font-size: 12px; margin: 12px 0 4px; text-transform: uppercase; letter-spacing: .05em; color: #56606b; }
p { margin: 4px 0 8px; }
nav.toc ol { margin: 0; padding-left: 20px; columns: 2; font-size: 13px; }
nav.toc a, .finding-index a { color: #1d4f91; text-decoration: none; }
table { width: 100%; border-collapse: collapse; margin: 6px 0 12px; font-size: 13px; }
thead { display: table-header-group; }
tr { break-inside: avoid; page-break-inside: avoid; }
th, td { text-align: left; vertical-align: top; padding: 5px 8px; border: 1px solid #d5dbe1; }
th { background: #f1f3f5; font-weight: 600; }
table.kv th { width: 200px; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: 12px; }
.wrap { white-space: pre-wrap; overflow-wrap: anywhere; word-break: break-word; }
.muted { color: #6b7580; }
.summary { display: flex; flex-wrap: wrap; gap: 24px; align-items: flex-start; }
.summary > .run { flex: 1 1 460px; }
.summary > .chart { flex: 0 0 380px; }
svg.severity-chart, svg.package-chart { display: block; max-width: 100%; height: auto; }
svg.severity-chart text, svg.package-chart text { font: 13px system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; fill: #1d2329; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600;
  color: #fff; white-space: nowrap; }
.sev-high { background: ${SEVERITY_COLOUR.High}; }
.sev-medium { background: ${SEVERITY_COLOUR.Medium}; }
.sev-low { background: ${SEVERITY_COLOUR.Low}; }
.sev-info { background: ${SEVERITY_COLOUR.Informational}; }
.sev-other { background: #000; }
.res-pass { background: #1e7b34; }
.res-fail { background: #b3261e; }
.res-na { background: #8a939c; }
.res-error { background: #6a1b9a; }
.notice { border: 1px solid #d5dbe1; border-left: 4px solid #1e7b34; background: #f5faf6; padding: 10px 14px; margin: 8px 0; }
.notice.warn { border-left-color: #c25e00; background: #fdf7f0; }
section.severity-group > h3 { display: flex; gap: 10px; align-items: center; }
article.finding { border: 1px solid #d5dbe1; border-left: 5px solid #56606b; padding: 12px 16px; margin: 12px 0;
  break-inside: avoid-page; page-break-inside: avoid; }
article.finding.sev-high-border { border-left-color: ${SEVERITY_COLOUR.High}; }
article.finding.sev-medium-border { border-left-color: ${SEVERITY_COLOUR.Medium}; }
article.finding.sev-low-border { border-left-color: ${SEVERITY_COLOUR.Low}; }
article.finding.sev-info-border { border-left-color: ${SEVERITY_COLOUR.Informational}; }
article.finding table.kv th { width: 160px; }
.recommendation { background: #f5f8fc; border: 1px solid #d9e3ef; padding: 8px 12px; }
table.compliance-scores tr.total th, table.compliance-scores tr.total td { border-top: 2px solid #56606b; }
ul.checks { margin: 4px 0 8px; padding-left: 20px; }
footer.report { margin-top: 36px; padding-top: 8px; border-top: 1px solid #d5dbe1; font-size: 12px; color: #56606b; }
@page { size: A4; margin: 16mm 14mm 18mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  nav.toc { display: none; }
  h2, h3, h4, h5 { break-after: avoid; page-break-after: avoid; }
  h2 { break-before: auto; }
  section.findings > h2, section.full-results > h2 { break-before: page; page-break-before: always; }
  a { color: inherit; text-decoration: none; }
  .summary > .chart { flex-basis: 340px; }
}
`;

const CSS_HASH = createHash('sha256').update(CSS, 'utf8').digest('base64');

/** Nothing may be loaded: no scripts, images, fonts, frames or connections; only the pinned inline style. */
export const REPORT_CSP = [
  "default-src 'none'",
  `style-src 'sha256-${CSS_HASH}'`,
  "img-src 'none'",
  "font-src 'none'",
  "script-src 'none'",
  "connect-src 'none'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

// ---------------------------------------------------------------------------------------------------------------
// Formatting helpers (their output still goes through `html`, so they return plain strings).

const DASH = '—';

function orDash(v: string | number | undefined | null): string | number {
  return v === undefined || v === null || v === '' ? DASH : v;
}

function formatDate(iso: string | undefined): string {
  if (!iso) return DASH;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

function formatDuration(totalSeconds: number): string {
  if (!Number.isFinite(totalSeconds) || totalSeconds < 0) return DASH;
  const s = Math.round(totalSeconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const parts: string[] = [];
  if (h) parts.push(`${h} h`);
  if (m) parts.push(`${m} min`);
  if (sec || parts.length === 0) parts.push(`${sec} s`);
  return parts.join(' ');
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function severityClass(s: string): string {
  return (SEVERITIES as readonly string[]).includes(s) ? SEVERITY_CLASS[s as Severity] : 'sev-other';
}

function severityBadge(s: string): SafeHtml {
  return html`<span class="badge ${severityClass(s)}">${s}</span>`;
}

const RESULT_CLASS: Readonly<Record<string, string>> = {
  PASS: 'res-pass',
  FAIL: 'res-fail',
  NOT_APPLICABLE: 'res-na',
  ERROR: 'res-error',
};

function resultBadge(r: string): SafeHtml {
  return html`<span class="badge ${RESULT_CLASS[r] ?? 'res-error'}">${r}</span>`;
}

// ---------------------------------------------------------------------------------------------------------------
// Sections.

type Context = ReportModel;

function instanceLabel(ctx: Context, instanceId: string, hostname?: string): SafeHtml {
  const host = hostname ?? ctx.instancesById.get(instanceId)?.hostname;
  return host
    ? html`<code class="wrap">${instanceId}</code> <span class="muted wrap">(${host})</span>`
    : html`<code class="wrap">${instanceId}</code>`;
}

function renderSummary(ctx: Context): SafeHtml {
  const { run, counts } = ctx;
  const elapsed = ctx.elapsedSeconds;
  return html`<section class="summary-section" id="summary">
<h2>Summary</h2>
<div class="summary">
<div class="run">
<table class="kv">
<tbody>
<tr><th scope="row">Run ID</th><td><code class="wrap">${run.runId}</code></td></tr>
<tr><th scope="row">Run name</th><td class="wrap">${orDash(run.name)}</td></tr>
${run.templateId ? html`<tr><th scope="row">Template</th><td><code class="wrap">${run.templateId}</code></td></tr>` : ''}
<tr><th scope="row">State</th><td><strong>${run.state}</strong></td></tr>
<tr><th scope="row">Mode</th><td>${run.mode === 'aws' ? 'AWS account' : 'Local'}</td></tr>
<tr><th scope="row">Created</th><td>${formatDate(run.createdAt)}</td></tr>
<tr><th scope="row">Started</th><td>${formatDate(run.startedAt)}</td></tr>
<tr><th scope="row">Completed</th><td>${formatDate(run.completedAt)}</td></tr>
<tr><th scope="row">Collection duration</th><td>${formatDuration(run.durationSeconds)}</td></tr>
<tr><th scope="row">Elapsed</th><td>${elapsed === undefined ? DASH : formatDuration(elapsed)}</td></tr>
<tr><th scope="row">Instances assessed</th><td>${counts.instances}</td></tr>
<tr><th scope="row">Rules evaluated</th><td>${plural(counts.results, 'result')}</td></tr>
<tr><th scope="row">Findings</th><td><strong>${counts.findings}</strong></td></tr>
<tr><th scope="row">Suppressed (waived, included above)</th><td class="suppressed-count">${counts.suppressed}</td></tr>
<tr><th scope="row">Exclusions</th><td>${counts.exclusions}</td></tr>
</tbody>
</table>
</div>
<div class="chart">
${renderSeverityChart(counts.bySeverity)}
<table class="severity-counts">
<thead><tr><th scope="col">Severity</th><th scope="col" class="num">Numeric</th><th scope="col" class="num">Findings</th></tr></thead>
<tbody>
${SEVERITIES.map(
  (s) =>
    html`<tr data-severity="${s}"><td>${severityBadge(s)}</td><td class="num">${NUMERIC_SEVERITY[s]}</td><td class="num">${counts.bySeverity[s]}</td></tr>`,
)}
</tbody>
</table>
</div>
</div>
</section>`;
}

function renderSeverityChart(counts: Record<Severity, number>): SafeHtml {
  const labelWidth = 112;
  const barArea = 210;
  const rowHeight = 30;
  const barHeight = 18;
  const top = 8;
  const width = labelWidth + barArea + 50;
  const height = top * 2 + rowHeight * SEVERITIES.length;
  const max = Math.max(0, ...SEVERITIES.map((s) => counts[s]));
  const description = SEVERITIES.map((s) => `${s}: ${counts[s]}`).join(', ');
  const rows = SEVERITIES.map((s, i) => {
    const n = counts[s];
    const w = max === 0 || n === 0 ? 0 : Math.max(2, Math.round((n / max) * barArea));
    const y = top + i * rowHeight;
    const textY = y + barHeight / 2 + 5;
    return html`<g class="bar" data-severity="${s}" data-count="${n}">
<text x="0" y="${textY}">${s}</text>
<rect x="${labelWidth}" y="${y}" width="${barArea}" height="${barHeight}" fill="#f1f3f5"/>
<rect x="${labelWidth}" y="${y}" width="${w}" height="${barHeight}" fill="${SEVERITY_COLOUR[s]}"/>
<text class="count" x="${labelWidth + barArea + 8}" y="${textY}">${n}</text>
</g>`;
  });
  return html`<svg class="severity-chart" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="chart-title chart-desc">
<title id="chart-title">Findings by severity</title>
<desc id="chart-desc">${description}</desc>
${rows}
</svg>`;
}

function renderInstances(ctx: Context): SafeHtml {
  const { instances } = ctx;
  const body =
    instances.length === 0
      ? html`<p class="notice warn">No instance was assessed in this run. See the exclusions below.</p>`
      : html`<table class="instances">
<thead><tr><th scope="col">Instance ID</th><th scope="col">Hostname</th><th scope="col">Operating system</th><th scope="col">Kernel</th><th scope="col">Architecture</th><th scope="col">Agent</th><th scope="col" class="num">Findings</th></tr></thead>
<tbody>
${instances.map(
  (i) => html`<tr data-instance-id="${i.instanceId}">
<td><code class="wrap">${i.instanceId}</code></td>
<td class="wrap">${orDash(i.hostname)}</td>
<td class="wrap">${orDash(i.os)}</td>
<td class="wrap">${orDash(i.kernelRelease)}</td>
<td>${orDash(i.arch)}</td>
<td>${i.agentStatus}</td>
<td class="num">${i.findingCount}</td>
</tr>`,
)}
</tbody>
</table>`;
  return html`<section id="instances">
<h2>Instances assessed</h2>
${body}
</section>`;
}

function renderRulesPackages(ctx: Context): SafeHtml {
  const rows = ctx.rulesPackages.map((p) =>
    p.described
      ? html`<tr><td><code>${p.id}</code></td><td class="wrap">${orDash(p.name)}</td><td>${orDash(p.version)}</td><td class="num">${p.findingCount}</td></tr>`
      : html`<tr><td><code>${p.id}</code></td><td class="muted">(details not supplied)</td><td>${DASH}</td><td class="num">${p.findingCount}</td></tr>`,
  );
  const body =
    rows.length === 0
      ? html`<p class="muted">No rules package was recorded for this run.</p>`
      : html`<table class="rules-packages">
<thead><tr><th scope="col">ID</th><th scope="col">Name</th><th scope="col">Version</th><th scope="col" class="num">Findings</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>`;
  return html`<section id="rules-packages">
<h2>Rules packages</h2>
${body}
</section>`;
}

function renderExclusions(ctx: Context): SafeHtml {
  const { exclusions } = ctx;
  const body =
    exclusions.length === 0
      ? html`<p class="notice">No exclusions: every targeted instance and rules package was assessed.</p>`
      : html`<p class="notice warn">${plural(exclusions.length, 'exclusion')}: the following could not be assessed, so the findings below do not cover them.</p>
<table class="exclusions">
<thead><tr><th scope="col">Instance</th><th scope="col">Scope</th><th scope="col">Reason</th><th scope="col">Message</th></tr></thead>
<tbody>
${exclusions.map(
  (e) => html`<tr>
<td>${instanceLabel(ctx, e.instanceId)}</td>
<td class="wrap">${e.scope ?? 'whole instance'}</td>
<td><code>${e.reason}</code></td>
<td class="wrap">${e.message}</td>
</tr>`,
)}
</tbody>
</table>`;
  return html`<section id="exclusions">
<h2>Exclusions</h2>
${body}
</section>`;
}

function renderEvidence(evidence: Evidence[]): SafeHtml {
  if (evidence.length === 0) return html`<h5>Evidence</h5><p class="muted">No evidence recorded.</p>`;
  return html`<h5>Evidence</h5>
<table class="evidence">
<thead><tr><th scope="col">Source</th><th scope="col" class="num">Line</th><th scope="col">Key</th><th scope="col">Value</th><th scope="col">Expected</th><th scope="col">Note</th></tr></thead>
<tbody>
${evidence.map(
  (e) => html`<tr>
<td><code class="wrap">${e.source}</code></td>
<td class="num">${orDash(e.line)}</td>
<td><code class="wrap">${orDash(e.key)}</code></td>
<td><code class="wrap">${orDash(e.value)}</code></td>
<td><code class="wrap">${orDash(e.expected)}</code></td>
<td class="wrap">${orDash(e.note)}</td>
</tr>`,
)}
</tbody>
</table>`;
}

function renderAttributes(attributes: Attribute[]): SafeHtml {
  if (attributes.length === 0) return html``;
  return html`<h5>Attributes</h5>
<table class="attributes">
<thead><tr><th scope="col">Key</th><th scope="col">Value</th></tr></thead>
<tbody>
${attributes.map((a) => html`<tr><td><code class="wrap">${a.key}</code></td><td class="wrap">${a.value}</td></tr>`)}
</tbody>
</table>`;
}

const FIX_STATE_TEXT: Readonly<Record<VulnerabilityDetails['fixState'], string>> = {
  fixed: 'Fixed version available',
  'not-fixed': 'Not fixed yet',
  'wont-fix': 'Will not be fixed by the vendor',
  unknown: 'Unknown',
  'ubuntu-pro': 'Fix available with Ubuntu Pro',
};

function renderVulnerability(v: VulnerabilityDetails): SafeHtml {
  const rows: SafeHtml[] = [
    html`<tr><th scope="row">Vulnerability</th><td><code class="wrap">${v.vulnerabilityId}</code></td></tr>`,
  ];
  if (v.aliases.length)
    rows.push(html`<tr><th scope="row">Aliases</th><td class="wrap">${v.aliases.join(', ')}</td></tr>`);
  if (v.advisoryIds.length)
    rows.push(
      html`<tr><th scope="row">Advisories</th><td class="wrap">${v.advisoryIds.join(', ')}</td></tr>`,
    );
  rows.push(html`<tr><th scope="row">Ecosystem</th><td class="wrap">${orDash(v.ecosystem)}</td></tr>`);
  rows.push(
    html`<tr><th scope="row">Fix state</th><td>${FIX_STATE_TEXT[v.fixState] ?? v.fixState} <span class="muted">(${v.fixState})</span></td></tr>`,
  );
  if (v.cvss)
    rows.push(
      html`<tr><th scope="row">CVSS</th><td><strong>${v.cvss.baseScore.toFixed(1)}</strong> <span class="muted">(CVSS ${v.cvss.version}${v.cvss.scoredBy ? `, ${v.cvss.scoredBy}` : ''})</span> <code class="wrap">${v.cvss.vector}</code></td></tr>`,
    );
  if (v.vendorSeverity)
    rows.push(html`<tr><th scope="row">Vendor severity</th><td class="wrap">${v.vendorSeverity}</td></tr>`);
  if (v.severitySource)
    rows.push(html`<tr><th scope="row">Severity from</th><td class="wrap">${v.severitySource}</td></tr>`);
  if (v.epss)
    rows.push(
      html`<tr><th scope="row">EPSS</th><td>${(v.epss.score * 100).toFixed(2)}% probability of exploitation in 30 days, percentile ${(v.epss.percentile * 100).toFixed(1)}${v.epss.date ? html` <span class="muted">(as of ${v.epss.date})</span>` : ''}</td></tr>`,
    );
  rows.push(
    v.kev
      ? html`<tr><th scope="row">Known exploited (CISA KEV)</th><td><strong>Yes</strong>, added ${v.kev.dateAdded}, remediation due ${v.kev.dueDate}${v.kev.knownRansomwareCampaignUse ? html`; known ransomware use: ${v.kev.knownRansomwareCampaignUse}` : ''}</td></tr>`
      : html`<tr><th scope="row">Known exploited (CISA KEV)</th><td>No</td></tr>`,
  );
  const packages =
    v.packages.length === 0
      ? html``
      : html`<table class="vulnerable-packages">
<thead><tr><th scope="col">Package</th><th scope="col">Installed</th><th scope="col">Fixed in</th><th scope="col">Source package</th><th scope="col">Arch</th></tr></thead>
<tbody>
${v.packages.map(
  (p) => html`<tr>
<td><code class="wrap">${p.name}</code></td>
<td><code class="wrap">${p.installedVersion}</code></td>
<td><code class="wrap">${p.fixedVersion ?? 'no fix available'}</code></td>
<td><code class="wrap">${p.sourcePackage ? `${p.sourcePackage}${p.sourceVersion ? ` ${p.sourceVersion}` : ''}` : DASH}</code></td>
<td>${orDash(p.arch)}</td>
</tr>`,
)}
</tbody>
</table>`;
  // References are printed as text, never as links: the report loads and links to nothing.
  const references = v.references.length
    ? html`<p class="references"><span class="muted">References:</span></p>
<ul class="references">
${v.references.map((r) => html`<li><code class="wrap">${r}</code></li>\n`)}
</ul>`
    : html``;
  return html`<h5>Vulnerability</h5>
<table class="kv vulnerability">
<tbody>
${rows}
</tbody>
</table>
${packages}
${v.remediation ? html`<p class="wrap"><strong>Remediation:</strong> ${v.remediation}</p>` : ''}
${references}`;
}

function renderFinding(ctx: Context, f: Finding, anchor: string): SafeHtml {
  const sevClass = severityClass(f.severity);
  return html`<article class="finding ${sevClass}-border" id="${anchor}" data-severity="${f.severity}"${isSuppressed(f) ? html` data-suppressed="true"` : ''}>
<h4 class="wrap">${f.title}${isSuppressed(f) ? html` <span class="muted">(suppressed)</span>` : ''}</h4>
${isSuppressed(f) ? html`<p class="notice warn suppressed">Suppressed: this finding is waived; it is listed and counted apart.</p>` : ''}
<table class="kv">
<tbody>
<tr><th scope="row">Severity</th><td>${severityBadge(f.severity)} <span class="muted">numeric ${f.numericSeverity}</span></td></tr>
<tr><th scope="row">Instance</th><td>${instanceLabel(ctx, f.instanceId, f.hostname)}</td></tr>
<tr><th scope="row">Rules package</th><td><code>${f.rulesPackage}</code></td></tr>
<tr><th scope="row">Rule</th><td><code class="wrap">${f.ruleId}</code></td></tr>
<tr><th scope="row">Finding ID</th><td><code class="wrap">${f.id}</code></td></tr>
<tr><th scope="row">Reported</th><td>${formatDate(f.createdAt)}</td></tr>
${f.suppression ? html`<tr class="suppressed"><th scope="row">Suppressed</th><td class="wrap">waived by <code>${f.suppression.suppressionRuleId}</code> until ${f.suppression.expiresOn} (owner ${f.suppression.owner}: ${f.suppression.reason})</td></tr>` : ''}
</tbody>
</table>
<h5>Description</h5>
<p class="description wrap">${f.description}</p>
${f.vulnerability ? renderVulnerability(f.vulnerability) : ''}
${renderEvidence(f.evidence)}
<h5>Recommendation</h5>
<div class="recommendation wrap">${f.recommendation}</div>
${renderAttributes(f.attributes)}
</article>`;
}

/** The findings section, a finding at a time: a report of thousands of findings is never one string. */
function* renderFindings(ctx: Context): Generator<string> {
  const total = ctx.counts.findings;
  if (total === 0) {
    const caveat = ctx.counts.exclusions
      ? html` Note the ${plural(ctx.counts.exclusions, 'exclusion')} above: what was excluded was not assessed.`
      : '';
    yield html`<section class="findings" id="findings">
<h2>Findings</h2>
<p class="notice no-findings">No findings: no rule failed on the assessed instances.${caveat}</p>
</section>`.markup;
    return;
  }
  let n = 0;
  yield html`<section class="findings" id="findings">
<h2>Findings <span class="muted">(${total})</span></h2>
`.markup;
  for (const g of ctx.severityGroups) {
    const slug = g.severity ? severityClass(g.severity).slice(4) : 'other';
    if (g.findings.length === 0) {
      yield html`<section class="severity-group" id="findings-${slug}" data-severity="${g.label}">
<h3>${severityBadge(g.label)} <span class="muted">no findings</span></h3>
<p class="muted">No finding of severity ${g.label}.</p>
</section>`.markup;
      continue;
    }
    yield html`<section class="severity-group" id="findings-${slug}" data-severity="${g.label}">
<h3>${severityBadge(g.label)} ${plural(g.findings.length, 'finding')}</h3>
`.markup;
    for (const sg of g.subgroups) {
      yield html`<p class="subgroup muted" data-instance-id="${sg.instanceId}" data-subject="${sg.subject}">${sg.subject} <span>on</span> ${instanceLabel(ctx, sg.instanceId)} · ${plural(sg.findings.length, 'finding')}</p>
`.markup;
      for (const f of sg.findings) {
        n += 1;
        yield renderFinding(ctx, ctx.full(f), `finding-${n}`).markup;
      }
    }
    yield '\n</section>';
  }
  yield '\n</section>';
}

function renderFullResults(ctx: Context): SafeHtml {
  const sections = (ctx.fullResults ?? []).map(({ instanceId, results: sorted, tally }) => {
    const summary = RESULT_ORDER.map((k) => `${k} ${tally[k]}`).join(' · ');
    const table =
      sorted.length === 0
        ? html`<p class="muted">No rule was evaluated on this instance.</p>`
        : html`<table class="rule-results">
<thead><tr><th scope="col">Rules package</th><th scope="col">Rule</th><th scope="col">Title</th><th scope="col">Severity</th><th scope="col">Result</th><th scope="col">Message</th></tr></thead>
<tbody>
${sorted.map(
  (r) => html`<tr data-result="${r.result}">
<td><code>${r.rulesPackage}</code></td>
<td><code class="wrap">${r.ruleId}</code></td>
<td class="wrap">${r.title}</td>
<td>${severityBadge(r.severity)}</td>
<td>${resultBadge(r.result)}</td>
<td class="wrap">${r.message}</td>
</tr>`,
)}
</tbody>
</table>`;
    return html`<section class="instance-results" data-instance-id="${instanceId}">
<h3>${instanceLabel(ctx, instanceId)}</h3>
<p class="muted">${summary}</p>
${table}
${renderListeners(ctx.instancesById.get(instanceId)?.listeners)}
</section>`;
  });
  return html`<section class="full-results" id="rule-results">
<h2>Rule results by instance</h2>
<p>Every rule evaluated on every instance, failed or not.</p>
${sections.length ? sections : html`<p class="muted">No rule was evaluated.</p>`}
</section>`;
}

/** What listened on the instance during the run, who held it and which packages it runs (full report). */
function renderListeners(summary: ListeningSummary | undefined): SafeHtml | '' {
  if (!summary) return '';
  const notes = [
    summary.ownersLookedUp ? '' : 'The agent did not look up which packages own these files.',
    summary.omitted ? `${summary.omitted} more listening sockets are not listed.` : '',
    summary.samplingTruncated ? "The agent's sampling caps dropped data: this list may be incomplete." : '',
  ].filter(Boolean);
  const body =
    summary.services.length === 0
      ? html`<p class="muted">Nothing listened during the run.</p>`
      : html`<table class="listeners">
<thead><tr><th scope="col">Protocol</th><th scope="col">Address</th><th scope="col">Processes</th><th scope="col">Executable package</th><th scope="col">Library packages</th><th scope="col" class="num">Connections seen</th></tr></thead>
<tbody>
${summary.services.map(
  (l) => html`<tr data-port="${l.port}" data-protocol="${l.protocol}">
<td>${l.protocol}</td>
<td><code class="wrap">${endpoint(l.address, l.port)}</code>${l.loopback ? html` <span class="muted">(loopback)</span>` : ''}</td>
<td class="wrap">${
    l.processes.length === 0
      ? html`<span class="muted">not seen (another user's process, or it ended)</span>`
      : l.processes.map(
          (p) =>
            html`<div><code>${p.comm}</code> pid ${p.pid} uid ${p.uid}${p.exe ? html` <code class="wrap">${p.exe}</code>` : ''}</div>`,
        )
  }${l.processesOmitted ? html`<div class="muted">and ${l.processesOmitted} more</div>` : ''}</td>
<td class="wrap">${
    l.processes
      .map((p) => p.package)
      .filter(Boolean)
      .join(', ') || html`<span class="muted">none known</span>`
  }</td>
<td class="wrap">${l.libraryPackages.join(', ') || html`<span class="muted">none known</span>`}${l.libraryPackagesOmitted ? ` and ${l.libraryPackagesOmitted} more` : ''}</td>
<td class="num">${l.protocol.startsWith('tcp') ? l.accepted : html`<span class="muted">n/a</span>`}</td>
</tr>`,
)}
</tbody>
</table>`;
  return html`<h4>Listening during the run</h4>
${notes.map((n) => html`<p class="muted">${n}</p>`)}
${body}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Compliance (cis): one part per instance and benchmark, grouped by top-level section.

function renderScoreTable(scores: SectionScore[], total: ComplianceGroup['total']): SafeHtml {
  const row = (
    s: { passed: number; failed: number; notApplicable: number; errors: number },
    controls: number,
  ) => html`<td class="num">${controls}</td>
<td class="num">${s.passed}</td>
<td class="num">${s.failed}</td>
<td class="num">${s.notApplicable}</td>
<td class="num">${s.errors}</td>
<td class="num"><strong>${scoreText(s.passed, s.passed + s.failed)}</strong> <span class="muted">(${s.passed} / ${s.passed + s.failed})</span></td>`;
  return html`<table class="compliance-scores">
<thead><tr><th scope="col">Section</th><th scope="col" class="num">Controls</th><th scope="col" class="num">Passed</th><th scope="col" class="num">Failed</th><th scope="col" class="num">Not applicable</th><th scope="col" class="num">Error</th><th scope="col" class="num">Score (passed / judged)</th></tr></thead>
<tbody>
${scores.map((s) => html`<tr data-section="${s.section}"><th scope="row">Section ${s.section}</th>${row(s, s.results.length)}</tr>`)}
<tr class="total" data-section="all"><th scope="row">All sections</th>${row(total, total.controls)}</tr>
</tbody>
</table>`;
}

function renderControlTable(results: RuleResult[]): SafeHtml {
  return html`<table class="controls">
<thead><tr><th scope="col">Control</th><th scope="col">Checks</th><th scope="col">Severity</th><th scope="col">Result</th><th scope="col">Message</th></tr></thead>
<tbody>
${results.map(
  (r) => html`<tr data-rule-id="${r.ruleId}" data-result="${r.result}">
<td><code>${sectionOf(r.ruleId)}</code></td>
<td class="wrap">${r.title}</td>
<td>${severityBadge(r.severity)}</td>
<td>${resultBadge(r.result)}</td>
<td class="wrap">${r.message}</td>
</tr>`,
)}
</tbody>
</table>`;
}

function renderFailedControl(ctx: Context, slim: RuleResult): SafeHtml {
  const r = ctx.full(slim);
  const found = ctx.orderedFindings.find(
    (x) => x.rulesPackage === 'cis' && x.instanceId === r.instanceId && x.ruleId === r.ruleId,
  );
  const f = found && ctx.full(found);
  const failedChecks = (r.checks ?? []).filter((c) => c.result === 'FAIL' || c.result === 'ERROR');
  return html`<article class="finding ${severityClass(r.severity)}-border failed-control" data-rule-id="${r.ruleId}">
<h5 class="wrap">${sectionOf(r.ruleId)} · ${r.title} ${severityBadge(r.severity)}</h5>
<p class="wrap">${r.message}</p>
${
  failedChecks.length
    ? html`<ul class="checks">${failedChecks.map(
        (c) =>
          html`<li><code>${c.id}</code> ${resultBadge(c.result)} <span class="wrap">${c.message}</span></li>`,
      )}</ul>`
    : ''
}
${renderEvidence(r.evidence)}
<h5>Fix</h5>
<div class="recommendation wrap">${f?.recommendation ?? 'Bring each failed check into the state its evidence expects.'}</div>
</article>`;
}

function renderCompliance(ctx: Context): SafeHtml | '' {
  const groups = ctx.compliance;
  if (groups.length === 0) return '';
  const parts = groups.map((g, i) => {
    const scores = g.scores;
    const detail = scores.map((s) => {
      if (ctx.kind === 'full') {
        return html`<section class="compliance-section" data-section="${s.section}">
<h4>Section ${s.section} <span class="muted">${plural(s.results.length, 'control')} · ${s.passed} passed · ${s.failed} failed</span></h4>
${renderControlTable(s.results)}
</section>`;
      }
      const failed = s.results.filter((r) => r.result === 'FAIL');
      if (failed.length === 0) return '';
      return html`<section class="compliance-section" data-section="${s.section}">
<h4>Section ${s.section} <span class="muted">${plural(failed.length, 'failed control')}</span></h4>
${failed.map((r) => renderFailedControl(ctx, r))}
</section>`;
    });
    const anyFailed = g.results.some((r) => r.result === 'FAIL');
    return html`<section class="compliance-benchmark" id="compliance-${i + 1}" data-instance-id="${g.instanceId}" data-benchmark="${g.benchmark}">
<h3 class="wrap">${g.label} <span class="muted">on</span> ${instanceLabel(ctx, g.instanceId)}</h3>
<p class="muted">${g.profile ? `Profile ${g.profile}. ` : ''}Score: controls passed out of those judged (PASS or FAIL); NOT_APPLICABLE controls (manual, skipped, not evaluated by this version, or not applicable here) and ERROR are counted apart.</p>
${renderScoreTable(scores, g.total)}
${ctx.kind === 'full' ? html`<p>Every control, with its result, by section.</p>` : anyFailed ? html`<p>Failed controls with their evidence and fix, by section.</p>` : html`<p class="notice">No control failed.</p>`}
${detail}
</section>`;
  });
  return html`<section class="compliance" id="compliance">
<h2>Compliance (CIS benchmarks)</h2>
${parts}
</section>`;
}

// ---------------------------------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------------------------------
// Package chart, changes since the previous run, fix plan.

/** The packages with the most CVE findings, as bars (top 15; the rest counted in a line). */
function renderPackages(ctx: Context): SafeHtml | '' {
  if (ctx.packages.length === 0) return '';
  const top = ctx.packages.slice(0, 15);
  const rest = ctx.packages.length - top.length;
  const max = Math.max(1, ...top.map((p) => p.count));
  const labelWidth = 170;
  const barArea = 260;
  const rowHeight = 22;
  const width = labelWidth + barArea + 50;
  const height = 8 + rowHeight * top.length;
  const rows = top.map((p, i) => {
    const y = 4 + i * rowHeight;
    let x = labelWidth;
    const segments = SEVERITIES.filter((s) => p.bySeverity[s] > 0).map((s) => {
      const w = Math.max(1, Math.round((p.bySeverity[s] / max) * barArea));
      const seg = html`<rect x="${x}" y="${y}" width="${w}" height="14" fill="${SEVERITY_COLOUR[s]}"/>`;
      x += w;
      return seg;
    });
    return html`<g class="bar" data-package="${p.name}" data-count="${p.count}">
<text x="0" y="${y + 12}">${p.name.length > 24 ? `${p.name.slice(0, 23)}…` : p.name}</text>
${segments}
<text class="count" x="${labelWidth + barArea + 8}" y="${y + 12}">${p.count}</text>
</g>`;
  });
  return html`<section id="packages">
<h2>Vulnerable packages</h2>
<p>CVE findings by source package (a finding counts once for each package it names), coloured by severity.</p>
<svg class="package-chart" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="package-chart-title">
<title id="package-chart-title">CVE findings by package</title>
${rows}
</svg>
${rest > 0 ? html`<p class="muted">and ${plural(rest, 'more package')}.</p>` : ''}
</section>`;
}

const CHANGE_CLASS: Readonly<Record<string, string>> = {
  NEW: 'res-fail',
  PERSISTING: 'sev-info',
  RESOLVED: 'res-pass',
  NOT_REASSESSED: 'res-na',
  WAIVER_ENDED: 'res-fail',
  WAIVED: 'res-na',
};

function renderChanges(ctx: Context): SafeHtml | '' {
  const d: RunDiff | undefined = ctx.changes;
  if (!d) return '';
  if (!d.baseRun)
    return html`<section id="changes">
<h2>Changes since the previous run</h2>
<p class="notice">No earlier completed run of this ${ctx.run.templateId ? 'template' : 'root'}: every finding is new.</p>
</section>`;
  const rows = (status: string, list: Finding[]) =>
    list.map(
      (f) => html`<tr data-change="${status}" data-finding-id="${f.id}">
<td><span class="badge ${CHANGE_CLASS[status] ?? 'res-na'}">${status}</span></td>
<td>${severityBadge(f.severity)}</td>
<td class="wrap">${f.title}</td>
<td>${instanceLabel(ctx, f.instanceId, f.hostname)}</td>
<td><code class="wrap">${f.id}</code></td>
</tr>`,
    );
  const changed = [
    ...rows('NEW', d.new),
    ...rows('RESOLVED', d.resolved),
    ...rows('NOT_REASSESSED', d.notReassessed),
    // Persisting findings whose waiver changed: active again (expired or deleted waiver), or newly waived.
    ...rows('WAIVER_ENDED', d.waiverEnded ?? []),
    ...rows('WAIVED', d.waived ?? []),
  ];
  return html`<section id="changes">
<h2>Changes since ${d.baseRun.runId}</h2>
<p>Compared with run <code>${d.baseRun.runId}</code> (${d.baseRun.name}, created ${formatDate(d.baseRun.createdAt)}), by finding id.</p>
<table class="change-counts">
<thead><tr><th scope="col">New</th><th scope="col">Persisting</th><th scope="col">Resolved</th><th scope="col">Not reassessed</th></tr></thead>
<tbody><tr><td class="num" data-count="NEW">${d.new.length}</td><td class="num" data-count="PERSISTING">${d.persisting.length}</td><td class="num" data-count="RESOLVED">${d.resolved.length}</td><td class="num" data-count="NOT_REASSESSED">${d.notReassessed.length}</td></tr></tbody>
</table>
${
  changed.length
    ? html`<table class="changes">
<thead><tr><th scope="col">Change</th><th scope="col">Severity</th><th scope="col">Finding</th><th scope="col">Instance</th><th scope="col">Finding ID</th></tr></thead>
<tbody>
${changed}
</tbody>
</table>`
    : html`<p class="notice">No finding appeared or went away.</p>`
}
${d.notReassessed.length ? html`<p class="muted">Not reassessed: findings of the previous run on an instance or rules package this run did not assess (excluded or not run); they are not counted as resolved.</p>` : ''}
</section>`;
}

function renderFixPlans(ctx: Context): SafeHtml | '' {
  const plans: HostFixPlan[] = ctx.fixPlans ?? [];
  if (plans.length === 0) return '';
  const parts = plans.map(
    (p) => html`<section class="fix-plan" data-instance-id="${p.instanceId}">
<h3>${instanceLabel(ctx, p.instanceId, p.hostname)}</h3>
<p>${plural(p.upgrades.length, 'upgrade')} close ${p.closable} of ${plural(p.cveFindings, 'CVE finding')}; ${p.open.length} stay open.
${p.reboot.needed ? html`<strong>Reboot needed</strong> (${p.reboot.reasons.join('; ')}).` : 'No reboot needed.'}
${p.runtimeTelemetry ? '' : html`<span class="muted">No runtime telemetry: services to restart are not known.</span>`}</p>
${
  p.upgrades.length
    ? html`<table class="fix-plan-upgrades">
<thead><tr><th scope="col" class="num">#</th><th scope="col">Source package</th><th scope="col">Closes</th><th scope="col">Command</th><th scope="col">After</th></tr></thead>
<tbody>
${p.upgrades.map(
  (u, i) => html`<tr data-source="${u.source}">
<td class="num">${i + 1}</td>
<td><code class="wrap">${u.source}</code></td>
<td class="wrap">${plural(u.closes.length, 'finding')}${u.exposure ? ` · exposure ${u.exposure}` : ''}${u.kevCount ? ` · ${u.kevCount} known exploited` : ''}${u.maxEpss !== undefined ? ` · EPSS ${(u.maxEpss * 100).toFixed(2)}%` : ''} · max ${u.maxNumericSeverity}</td>
<td><code class="wrap">${u.command ?? 'upgrade by hand'}</code>${u.notes.map((n) => html`<div class="muted wrap">${n}</div>`)}</td>
<td class="wrap">${u.reboot ? html`<strong>reboot</strong>: ${u.reboot}` : u.restarts.length ? `restart ${u.restarts.map((r) => `${r.comm} (pid ${r.pid})`).join(', ')}` : DASH}</td>
</tr>`,
)}
</tbody>
</table>`
    : html`<p class="muted">No upgrade closes a finding here.</p>`
}
${
  p.open.length
    ? html`<h4>Stays open</h4>
<table class="fix-plan-open">
<thead><tr><th scope="col">Vulnerability</th><th scope="col">Severity</th><th scope="col">Packages</th><th scope="col">Why</th></tr></thead>
<tbody>
${p.open.map(
  (o) =>
    html`<tr data-finding-id="${o.findingId}"><td><code>${o.vulnerabilityId}</code></td><td>${severityBadge(o.severity)}</td><td class="wrap">${o.packages.join(', ')}</td><td class="wrap">${o.reason}</td></tr>`,
)}
</tbody>
</table>`
    : ''
}
</section>`,
  );
  return html`<section id="fix-plan">
<h2>Fix plan</h2>
<p>Per host, the fewest package upgrades that close the most CVE findings, most urgent first (network exposure, known exploited, EPSS, severity).</p>
${parts}
</section>`;
}

/** Renders the findings (or full) report of one assessment run as one self-contained HTML document. */
export function renderHtmlReport(output: AssessmentOutput, opts: HtmlReportOptions): string {
  return renderHtmlFromModel(buildReportModel(output, opts));
}

/** Renders a report model (model.ts) as one self-contained HTML document. */
export function renderHtmlFromModel(ctx: ReportModel): string {
  return [...htmlReportChunks(ctx)].join('');
}

/**
 * The same document as renderHtmlFromModel, in pieces (the findings one at a time), for writing to a file as
 * it is rendered (adapters/local/write-stream.ts): the whole report is never held as one string.
 */
export function* htmlReportChunks(ctx: ReportModel): Generator<string> {
  const { run, title, kind, counts } = ctx;
  const compliance = renderCompliance(ctx);
  const packages = renderPackages(ctx);
  const changes = renderChanges(ctx);
  const fixPlans = renderFixPlans(ctx);
  yield html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="inspector-classic-selfhosted">
<title>${title} – ${run.name || run.runId}</title>
<style>${new SafeHtml(CSS)}</style>
</head>
<body>
<header class="report">
<p class="eyebrow">Self-hosted Inspector Classic · assessment run report</p>
<h1>${title}: <span class="run-name wrap">${run.name || run.runId}</span></h1>
<p class="meta">Run <code>${run.runId}</code> · state ${run.state} · generated ${formatDate(ctx.generatedAt)}</p>
</header>
<nav class="toc" aria-label="Contents">
<ol>
<li><a href="#summary">Summary</a></li>
${changes ? html`<li><a href="#changes">Changes since the previous run</a></li>` : ''}
<li><a href="#instances">Instances assessed</a></li>
<li><a href="#rules-packages">Rules packages</a></li>
<li><a href="#exclusions">Exclusions (${counts.exclusions})</a></li>
${packages ? html`<li><a href="#packages">Vulnerable packages</a></li>` : ''}
${fixPlans ? html`<li><a href="#fix-plan">Fix plan</a></li>` : ''}
${compliance ? html`<li><a href="#compliance">Compliance (CIS benchmarks)</a></li>` : ''}
<li><a href="#findings">Findings (${counts.findings})</a></li>
${kind === 'full' ? html`<li><a href="#rule-results">Rule results by instance</a></li>` : ''}
</ol>
</nav>
<main>
${renderSummary(ctx)}
${changes}
${renderInstances(ctx)}
${renderRulesPackages(ctx)}
${renderExclusions(ctx)}
${packages}
${fixPlans}
${compliance}
`.markup;
  yield* renderFindings(ctx);
  yield html`
${kind === 'full' ? renderFullResults(ctx) : ''}
</main>
<footer class="report">
<p>${title} for run <code>${run.runId}</code>, generated ${formatDate(ctx.generatedAt)}. ${plural(counts.findings, 'finding')}, ${plural(counts.exclusions, 'exclusion')}, ${plural(counts.results, 'rule result')}.</p>
</footer>
</body>
</html>
`.markup;
}

/** renderHtmlReport in pieces (htmlReportChunks). */
export function htmlReportChunksOf(output: AssessmentOutput, opts: HtmlReportOptions): Generator<string> {
  return htmlReportChunks(buildReportModel(output, opts));
}
