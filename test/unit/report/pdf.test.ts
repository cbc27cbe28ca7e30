/**
 * The PDF report, checked with poppler (pdfinfo, pdftotext, pdffonts) as a reader would see it: pages with
 * numbers, a table of contents, every finding title as real text in reading order, fonts embedded, the same
 * counts as the HTML report of the same model; hostile text (control characters, markup, very long words) does
 * not break it.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RuleResult } from '../../../functions/core/model';
import type { AssessmentOutput } from '../../../functions/core/run';
import { SEVERITIES } from '../../../functions/core/severity';
import { buildFixPlans } from '../../../functions/report/fix-plan';
import { renderHtmlFromModel } from '../../../functions/report/html';
import { buildReportModel, type ReportOptions } from '../../../functions/report/model';
import { renderPdfFromModel, reportFontsDir } from '../../../functions/report/pdf';
import { syntheticOutput } from '../../helpers/report-output';

const dir = mkdtempSync(path.join(os.tmpdir(), 'pdf-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function poppler(tool: string, args: string[]): string {
  return execFileSync(tool, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}

async function writePdf(name: string, output: AssessmentOutput, opts: Partial<ReportOptions> = {}) {
  const model = buildReportModel(output, {
    rulesPackages: [
      { id: 'cve', name: 'Common Vulnerabilities and Exposures', version: '2026.11.30' },
      { id: 'security-best-practices', name: 'Security Best Practices', version: '1.0.0' },
    ],
    generatedAt: '2026-11-30T12:00:00.000Z',
    fixPlans: buildFixPlans(output.findings, output.instances),
    ...opts,
  });
  const bytes = await renderPdfFromModel(model);
  const file = path.join(dir, `${name}.pdf`);
  writeFileSync(file, bytes);
  return { file, bytes, model, text: poppler('pdftotext', ['-enc', 'UTF-8', file, '-']) };
}

const flat = (s: string) => s.replace(/\s+/g, ' ');

function withCis(output: AssessmentOutput): AssessmentOutput {
  const inst = output.instances[0]!.instanceId;
  const cis: RuleResult[] = [
    ['1.1.1.1', 'PASS'],
    ['1.1.2.1', 'FAIL'],
    ['5.1.20', 'FAIL'],
    ['5.2.1', 'NOT_APPLICABLE'],
  ].map(([s, r]) => ({
    rulesPackage: 'cis',
    ruleId: `cis.debian12.${s}`,
    instanceId: inst,
    result: r as RuleResult['result'],
    severity: 'Medium',
    title: `Control ${s} title`,
    message: `control ${s} ${r}`,
    evidence: [],
  }));
  return {
    ...output,
    results: [...output.results, ...cis],
    run: { ...output.run, rulesPackages: [...output.run.rulesPackages, 'cis'] },
  };
}

describe('PDF report', () => {
  it('has pages numbered "Page i of N", a contents page, and every finding title as text in report order', async () => {
    const output = syntheticOutput(120);
    const { file, text, model } = await writePdf('findings', output);
    const pages = Number(/Pages:\s+(\d+)/.exec(poppler('pdfinfo', [file]))?.[1]);
    expect(pages).toBeGreaterThan(5);
    // pdftotext separates pages with form feeds: each page carries its own number.
    const pageTexts = text.split('\f').filter((p) => p.trim());
    expect(pageTexts).toHaveLength(pages);
    for (const [i, p] of pageTexts.entries()) expect(p).toContain(`Page ${i + 1} of ${pages}`);
    expect(pageTexts[1]).toMatch(/Contents/);
    expect(pageTexts[1]).toMatch(/Findings \(120\) \.{3,} \d+\n/);
    const all = flat(text);
    // Sections in order, and every finding title, in the model's order (reading order).
    const order = [
      'Summary',
      'Contents',
      'Instances assessed',
      'Rules packages',
      'Exclusions (0)',
      'Fix plan',
      'Findings (120)',
    ];
    let at = -1;
    for (const h of order) {
      const i = all.indexOf(h, at + 1);
      expect(i, h).toBeGreaterThan(at);
      at = i;
    }
    for (const f of model.orderedFindings) {
      const i = all.indexOf(`${f.title}`, at);
      expect(i, f.title).toBeGreaterThan(at);
      at = i;
    }
  });

  it('embeds every font (subset TrueType), never a standard font', async () => {
    const { file } = await writePdf('fonts', syntheticOutput(10));
    const rows = poppler('pdffonts', [file]).trim().split('\n').slice(2);
    expect(rows.length).toBeGreaterThanOrEqual(2);
    for (const r of rows) {
      expect(r).toMatch(/^[A-Z]{6}\+DejaVuSans/);
      expect(r).toMatch(/CID TrueType\s+Identity-H\s+yes\s+yes\s+yes/);
    }
  });

  it('shows the same counts as the HTML report of the same model', async () => {
    const output = withCis(syntheticOutput(57));
    const { text, model } = await writePdf('counts', output, { kind: 'full' });
    const html = renderHtmlFromModel(model);
    const all = flat(text);
    // Severity table of the summary: "<Severity> <numeric> <count>" in the PDF; data-severity rows in the HTML.
    for (const s of SEVERITIES) {
      const n = model.counts.bySeverity[s];
      expect(all).toMatch(new RegExp(`${s} \\d ${n}\\b`));
      expect(html).toMatch(
        new RegExp(`data-severity="${s}"><td>.*?</td><td class="num">\\d</td><td class="num">${n}</td>`),
      );
    }
    expect(all).toContain(`Findings: ${model.counts.findings} `);
    expect(html).toContain(`<th scope="row">Findings</th><td><strong>${model.counts.findings}</strong>`);
    expect(all).toContain(`Rules evaluated: ${model.counts.results} results`);
    expect(html).toContain(`${model.counts.results} results`);
    // CIS compliance: 1 passed of 3 judged, in both.
    expect(all).toMatch(/All sections 4 1 2 1 0 33% \(1 \/ 3\)/);
    expect(html).toMatch(/33%<\/strong> <span class="muted">\(1 \/ 3\)/);
    // Full report: every rule result of every instance.
    for (const r of model.fullResults!) expect(all).toContain(`PASS ${r.tally.PASS} · FAIL ${r.tally.FAIL}`);
  });

  it('prints hostile text as text: control characters, markup, very long words', async () => {
    const output = syntheticOutput(3);
    const f = output.findings[0]!;
    f.title = 'Evil <script>alert(1)</script> \u0000\u0007 title';
    f.description = `A${'x'.repeat(20_000)}`;
    f.evidence = [{ source: '/etc/passwd', key: 'k', value: 'y'.repeat(5000) }];
    const { text } = await writePdf('hostile', output);
    const all = flat(text);
    expect(all).toContain('Evil <script>alert(1)</script>');
    expect(all).toMatch(/more characters\]/);
  });

  it('reads its fonts from $INSPECTOR_REPORT_FONTS first', () => {
    const fonts = mkdtempSync(path.join(dir, 'fonts-'));
    const from = reportFontsDir({});
    for (const f of ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf', 'DejaVuSansMono.ttf'])
      copyFileSync(path.join(from, f), path.join(fonts, f));
    expect(reportFontsDir({ INSPECTOR_REPORT_FONTS: fonts })).toBe(fonts);
    // A directory without the fonts is skipped, not used.
    expect(reportFontsDir({ INSPECTOR_REPORT_FONTS: dir })).toBe(from);
  });
});
