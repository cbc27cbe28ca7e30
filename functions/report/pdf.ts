/**
 * The PDF report of an assessment run, rendered from the report model (model.ts) with pdfkit: real text
 * (selectable, searchable) in embedded, subset DejaVu fonts, a table of contents with page numbers and links, PDF
 * bookmarks, page numbers on every page, and the severity chart drawn as vectors.
 *
 * Fonts: DejaVu Sans, DejaVu Sans Bold and DejaVu Sans Mono TrueType files (the `dejavu-fonts-ttf` package;
 * free licence, wide Unicode coverage). They are read from disk at render time, from the first of: the
 * directory in $INSPECTOR_REPORT_FONTS, a `fonts/` directory beside this module (where a bundle carries them),
 * the installed `dejavu-fonts-ttf` package. pdfkit's built-in standard fonts are never used (they would not be
 * embedded).
 *
 * Layout: the title page holds the run summary and the severity chart; the table of contents follows on pages
 * reserved for it (one line per section), then the sections in the HTML report's order. Text is written top to
 * bottom, left to right, so text extraction reads it in order.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import PDFDocument from 'pdfkit';
import type { Evidence, Finding, RuleResult } from '../core/model';
import type { AssessmentOutput } from '../core/run';
import { NUMERIC_SEVERITY, SEVERITIES, type Severity } from '../core/severity';
import {
  buildReportModel,
  isSuppressed,
  type ReportModel,
  type ReportOptions,
  scoreText,
  sectionOf,
} from './model';

const FONT_FILES = {
  regular: 'DejaVuSans.ttf',
  bold: 'DejaVuSans-Bold.ttf',
  mono: 'DejaVuSansMono.ttf',
} as const;

export class ReportFontsMissingError extends Error {
  override readonly name = 'ReportFontsMissingError';
}

function moduleDir(): string | undefined {
  try {
    return path.dirname(fileURLToPath(import.meta.url));
  } catch {
    return typeof __dirname === 'string' ? __dirname : undefined;
  }
}

/** Where the report's TrueType fonts are (see the module comment for the order). */
export function reportFontsDir(env: NodeJS.ProcessEnv = process.env): string {
  const candidates: string[] = [];
  if (env.INSPECTOR_REPORT_FONTS) candidates.push(env.INSPECTOR_REPORT_FONTS);
  const here = moduleDir();
  if (here) candidates.push(path.join(here, 'fonts'));
  try {
    const req = createRequire(here ? path.join(here, 'x.js') : import.meta.url);
    candidates.push(path.join(path.dirname(req.resolve('dejavu-fonts-ttf/package.json')), 'ttf'));
  } catch {
    // not installed: only the other places count
  }
  for (const dir of candidates)
    if (Object.values(FONT_FILES).every((f) => existsSync(path.join(dir, f)))) return dir;
  throw new ReportFontsMissingError(
    `PDF report fonts not found (${Object.values(FONT_FILES).join(', ')}); looked in ${candidates.join(', ') || 'nowhere'}. Set INSPECTOR_REPORT_FONTS to a directory holding them.`,
  );
}

// ---------------------------------------------------------------------------------------------------------------

const COLOUR: Readonly<Record<Severity, string>> = {
  High: '#b3261e',
  Medium: '#c25e00',
  Low: '#9a7d0a',
  Informational: '#56606b',
};
const INK = '#1d2329';
const MUTED = '#56606b';
const RULE = '#d5dbe1';
const HEAD_BG = '#f1f3f5';

/** Longest text printed for one field; the rest is in the HTML and JSON forms. */
const MAX_FIELD = 3000;

function clean(v: unknown): string {
  // Control characters other than tab and newline have no glyph; they are shown as U+FFFD.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: that is the point
  const s = String(v ?? '').replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '\ufffd');
  return s.length > MAX_FIELD ? `${s.slice(0, MAX_FIELD)}… [${s.length - MAX_FIELD} more characters]` : s;
}

function formatDate(iso: string | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

interface TocEntry {
  title: string;
  level: number;
  page: number;
  dest: string;
}

interface Column {
  header: string;
  width: number;
  mono?: boolean;
  align?: 'left' | 'right';
}

type Fonts = Record<keyof typeof FONT_FILES, Buffer>;
const loadedFonts = new Map<string, Fonts>();

/** The three font files of a directory, read once per process. */
function loadFonts(dir: string): Fonts {
  let f = loadedFonts.get(dir);
  if (!f) {
    f = {
      regular: readFileSync(path.join(dir, FONT_FILES.regular)),
      bold: readFileSync(path.join(dir, FONT_FILES.bold)),
      mono: readFileSync(path.join(dir, FONT_FILES.mono)),
    };
    loadedFonts.set(dir, f);
  }
  return f;
}

class Writer {
  readonly doc: PDFKit.PDFDocument;
  readonly toc: TocEntry[] = [];
  private destCount = 0;
  private readonly left: number;
  readonly width: number;
  private outlineTop: PDFKit.PDFOutline | undefined;

  constructor(fontsDir: string, info: PDFKit.DocumentInfo) {
    const fonts = loadFonts(fontsDir);
    this.doc = new PDFDocument({
      size: 'A4',
      margins: { top: 56, bottom: 60, left: 50, right: 50 },
      bufferPages: true,
      autoFirstPage: true,
      // No initial font: pdfkit's default is a standard font (never embedded), and a font given here would be
      // parsed again on every page added. The registered fonts below are parsed once.
      font: null as unknown as string,
      info,
      displayTitle: true,
      lang: 'en',
      compress: true,
    });
    this.doc.registerFont('regular', fonts.regular);
    this.doc.registerFont('bold', fonts.bold);
    this.doc.registerFont('mono', fonts.mono);
    this.left = this.doc.page.margins.left;
    this.width = this.doc.page.width - this.doc.page.margins.left - this.doc.page.margins.right;
    this.doc.font('regular').fontSize(10).fillColor(INK);
  }

  get bottom(): number {
    return this.doc.page.height - this.doc.page.margins.bottom;
  }

  ensure(height: number): void {
    if (this.doc.y + height > this.bottom) this.doc.addPage();
  }

  private anchor(title: string, level: number): void {
    const dest = `s${++this.destCount}`;
    this.doc.addNamedDestination(dest, 'XYZ', this.left, this.doc.y, null as unknown as number);
    const page = this.doc.bufferedPageRange().start + this.doc.bufferedPageRange().count;
    this.toc.push({ title, level, page, dest });
    if (level === 1) this.outlineTop = this.doc.outline.addItem(title);
    else (this.outlineTop ?? this.doc.outline).addItem(title);
  }

  h2(title: string, newPage = false): void {
    if (newPage) this.doc.addPage();
    else {
      this.doc.moveDown(0.6);
      this.ensure(80);
    }
    this.doc.x = this.left;
    this.anchor(title, 1);
    this.doc
      .font('bold')
      .fontSize(15)
      .fillColor(INK)
      .text(clean(title), this.left, this.doc.y, { width: this.width });
    const y = this.doc.y + 2;
    this.doc
      .moveTo(this.left, y)
      .lineTo(this.left + this.width, y)
      .lineWidth(0.7)
      .strokeColor(RULE)
      .stroke();
    this.doc.y = y + 6;
    this.doc.font('regular').fontSize(10);
  }

  h3(title: string, toc = false, colour = INK): void {
    this.doc.moveDown(0.4);
    this.ensure(50);
    this.doc.x = this.left;
    if (toc) this.anchor(title, 2);
    this.doc
      .font('bold')
      .fontSize(12)
      .fillColor(colour)
      .text(clean(title), this.left, this.doc.y, { width: this.width });
    this.doc.font('regular').fontSize(10).fillColor(INK);
    this.doc.moveDown(0.2);
  }

  h4(title: string): void {
    this.ensure(36);
    this.doc
      .font('bold')
      .fontSize(10.5)
      .fillColor(INK)
      .text(clean(title), this.left, this.doc.y, { width: this.width });
    this.doc.font('regular').fontSize(10);
  }

  para(text: string, opts: { muted?: boolean; mono?: boolean; size?: number; indent?: number } = {}): void {
    const indent = opts.indent ?? 0;
    const t = clean(text);
    const width = this.width - indent;
    this.doc
      .font(opts.mono ? 'mono' : 'regular')
      .fontSize(opts.size ?? 10)
      .fillColor(opts.muted ? MUTED : INK);
    if (!t.includes('\n') && this.doc.widthOfString(t) <= width) {
      // One line: drawn without the line wrapper (the same text, placed the same way, at a fraction of the cost).
      const lineHeight = this.doc.currentLineHeight(true);
      this.ensure(lineHeight);
      const y = this.doc.y;
      this.doc.text(t, this.left + indent, y, { lineBreak: false });
      this.doc.y = y + lineHeight;
    } else this.doc.text(t, this.left + indent, this.doc.y, { width });
    this.doc.x = this.left;
    this.doc.font('regular').fontSize(10).fillColor(INK);
  }

  /** Label: value lines (labels bold), each kept on one page. */
  kv(rows: Array<[string, string]>, size = 9.5): void {
    // One line per pair ("Label: value"), so text extraction keeps each label with its value.
    for (const [k, v] of rows) {
      this.doc.fontSize(size);
      this.ensure(this.doc.currentLineHeight(true) + 2);
      this.doc
        .font('bold')
        .fillColor(MUTED)
        .text(`${k}: `, this.left, this.doc.y, { width: this.width, continued: true })
        .font('regular')
        .fillColor(INK)
        .text(clean(v));
      this.doc.moveDown(0.15);
    }
    this.doc.x = this.left;
    this.doc.font('regular').fontSize(10).fillColor(INK);
  }

  /** A table with a header row repeated on each page; cells wrap. */
  table(
    columns: Column[],
    rows: string[][],
    opts: { size?: number; rowColour?: (i: number) => string | undefined } = {},
  ): void {
    const size = opts.size ?? 8.5;
    const pad = 3;
    const total = columns.reduce((t, c) => t + c.width, 0);
    const scale = this.width / total;
    const widths = columns.map((c) => c.width * scale);
    const header = () => {
      this.doc.font('bold').fontSize(size);
      const h =
        Math.max(
          ...columns.map((c, i) => this.doc.heightOfString(c.header, { width: widths[i]! - 2 * pad })),
        ) +
        2 * pad;
      this.ensure(h + 14);
      const y = this.doc.y;
      this.doc.rect(this.left, y, this.width, h).fill(HEAD_BG);
      let x = this.left;
      this.doc.fillColor(INK);
      columns.forEach((c, i) => {
        this.doc.text(c.header, x + pad, y + pad, { width: widths[i]! - 2 * pad, align: c.align ?? 'left' });
        x += widths[i]!;
      });
      this.doc.y = y + h;
    };
    header();
    rows.forEach((row, r) => {
      const texts = row.map((v) => clean(v));
      // A cell that fits on one line is measured by its width and drawn without the line wrapper (most cells:
      // ids, severities, results); only longer ones are wrapped, measured and drawn as paragraphs.
      const oneLine = texts.map((t, i) => {
        this.doc.font(columns[i]?.mono ? 'mono' : 'regular').fontSize(size);
        return !t.includes('\n') && this.doc.widthOfString(t) <= widths[i]! - 2 * pad;
      });
      const heights = texts.map((t, i) => {
        this.doc.font(columns[i]?.mono ? 'mono' : 'regular').fontSize(size);
        return oneLine[i]
          ? this.doc.currentLineHeight(true)
          : this.doc.heightOfString(t || ' ', { width: widths[i]! - 2 * pad });
      });
      const h = Math.max(...heights) + 2 * pad;
      if (this.doc.y + h > this.bottom) {
        this.doc.addPage();
        header();
      }
      const y = this.doc.y;
      let x = this.left;
      const colour = opts.rowColour?.(r);
      texts.forEach((t, i) => {
        this.doc
          .font(columns[i]?.mono ? 'mono' : 'regular')
          .fontSize(size)
          .fillColor(i === 0 && colour ? colour : INK)
          .text(t, x + pad, y + pad, {
            width: widths[i]! - 2 * pad,
            align: columns[i]?.align ?? 'left',
            ...(oneLine[i] ? { lineBreak: false } : {}),
          });
        x += widths[i]!;
      });
      this.doc
        .moveTo(this.left, y + h)
        .lineTo(this.left + this.width, y + h)
        .lineWidth(0.4)
        .strokeColor(RULE)
        .stroke();
      this.doc.y = y + h;
    });
    this.doc.x = this.left;
    this.doc.y += 6;
    this.doc.font('regular').fontSize(10).fillColor(INK);
  }

  /** Horizontal bars (vector): label, bar proportional to the largest value, value. */
  bars(
    items: Array<{ label: string; value: number; colour: string }>,
    labelWidth = 110,
    barArea = 220,
  ): void {
    const rowHeight = 20;
    this.ensure(items.length * rowHeight + 8);
    const max = Math.max(0, ...items.map((i) => i.value));
    const top = this.doc.y + 2;
    items.forEach((item, i) => {
      const y = top + i * rowHeight;
      const w = max === 0 || item.value === 0 ? 0 : Math.max(2, (item.value / max) * barArea);
      this.doc
        .font('regular')
        .fontSize(10)
        .fillColor(INK)
        .text(clean(item.label), this.left, y + 2, {
          width: labelWidth - 6,
          lineBreak: false,
          ellipsis: true,
        });
      this.doc.rect(this.left + labelWidth, y, barArea, 14).fill(HEAD_BG);
      if (w > 0) this.doc.rect(this.left + labelWidth, y, w, 14).fill(item.colour);
      this.doc
        .fillColor(INK)
        .text(String(item.value), this.left + labelWidth + barArea + 8, y + 2, { lineBreak: false });
    });
    this.doc.x = this.left;
    this.doc.y = top + items.length * rowHeight + 4;
  }
}

// ---------------------------------------------------------------------------------------------------------------

function instanceText(m: ReportModel, instanceId: string, hostname?: string): string {
  const host = hostname ?? m.instancesById.get(instanceId)?.hostname;
  return host ? `${instanceId} (${host})` : instanceId;
}

function evidenceLine(e: Evidence): string {
  const parts = [`${e.source}${e.line ? `:${e.line}` : ''}`];
  if (e.key) parts.push(e.key);
  if (e.value !== undefined) parts.push(`= ${e.value}`);
  if (e.expected !== undefined) parts.push(`(expected ${e.expected})`);
  if (e.note) parts.push(`— ${e.note}`);
  return parts.join(' ');
}

const MAX_EVIDENCE_LINES = 12;

function writeFinding(w: Writer, m: ReportModel, f: Finding, n: number): void {
  w.ensure(70);
  const colour = (COLOUR as Record<string, string>)[f.severity] ?? '#000000';
  const top = w.doc.y;
  const startPage = w.doc.bufferedPageRange().count;
  w.doc
    .font('bold')
    .fontSize(10.5)
    .fillColor(INK)
    .text(`${n}. ${clean(f.title)}`, w.doc.page.margins.left + 8, top, {
      width: w.width - 8,
    });
  const meta = [
    `${f.severity} (${f.numericSeverity})`,
    instanceText(m, f.instanceId, f.hostname),
    f.ruleId,
    `id ${f.id}`,
  ];
  if (isSuppressed(f)) meta.push('SUPPRESSED');
  w.para(meta.join(' · '), { muted: true, size: 8.5, indent: 8 });
  w.para(f.description, { size: 9, indent: 8 });
  const v = f.vulnerability;
  if (v) {
    const pk = v.packages
      .map(
        (p) =>
          `${p.name} ${p.installedVersion} → ${p.fixedVersion ?? 'no fix'}${p.sourcePackage ? ` [${p.sourcePackage}]` : ''}`,
      )
      .join('; ');
    const extra = [
      v.cvss ? `CVSS ${v.cvss.baseScore.toFixed(1)}` : '',
      v.epss ? `EPSS ${(v.epss.score * 100).toFixed(2)}%` : '',
      v.kev ? `CISA KEV (due ${v.kev.dueDate})` : '',
      `fix state ${v.fixState}`,
    ].filter(Boolean);
    w.para(`Packages: ${pk}`, { size: 8.5, indent: 8, mono: true });
    w.para(extra.join(' · '), { size: 8.5, indent: 8, muted: true });
  }
  if (f.evidence.length) {
    const shown = f.evidence.slice(0, MAX_EVIDENCE_LINES).map(evidenceLine);
    if (f.evidence.length > shown.length)
      shown.push(`and ${f.evidence.length - shown.length} more (see the HTML or JSON report)`);
    w.para(`Evidence: ${shown.join('\n')}`, { size: 8.5, indent: 8, mono: true });
  }
  if (f.recommendation) w.para(`Recommendation: ${f.recommendation}`, { size: 9, indent: 8 });
  const bottom = w.doc.y;
  // The severity stripe beside the finding, when it fits on one page (else beside its first line only).
  if (w.doc.bufferedPageRange().count !== startPage) {
    const page = w.doc.bufferedPageRange().count - 1;
    w.doc.switchToPage(startPage - 1);
    w.doc.rect(w.doc.page.margins.left, top, 3, 14).fill(colour);
    w.doc.switchToPage(page);
  } else if (bottom > top) w.doc.rect(w.doc.page.margins.left, top, 3, bottom - top).fill(colour);
  w.doc.fillColor(INK);
  w.doc.y = bottom + 8;
}

function writeResults(w: Writer, results: RuleResult[], compliance: boolean): void {
  w.table(
    compliance
      ? [
          { header: 'Control', width: 50, mono: true },
          { header: 'Title', width: 170 },
          { header: 'Severity', width: 78 },
          { header: 'Result', width: 98 },
          { header: 'Message', width: 154 },
        ]
      : [
          { header: 'Rule', width: 120, mono: true },
          { header: 'Title', width: 130 },
          { header: 'Severity', width: 78 },
          { header: 'Result', width: 98 },
          { header: 'Message', width: 124 },
        ],
    results.map((r) => [
      compliance ? sectionOf(r.ruleId) : r.ruleId,
      r.title,
      r.severity,
      r.result,
      r.message,
    ]),
  );
}

/** Renders the report model to a PDF document (bytes). */
export async function renderPdfFromModel(m: ReportModel, fontsDir = reportFontsDir()): Promise<Buffer> {
  const w = new Writer(fontsDir, {
    Title: `${m.title} – ${m.run.name || m.run.runId}`,
    Subject: `Assessment run ${m.run.runId}`,
    Creator: 'inspector-classic-selfhosted',
    Producer: 'inspector-classic-selfhosted (pdfkit)',
    CreationDate: new Date(Date.parse(m.generatedAt) || 0),
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    w.doc.on('data', (c: Buffer) => chunks.push(c));
    w.doc.on('end', () => resolve(Buffer.concat(chunks)));
    w.doc.on('error', reject);
  });
  const { doc } = w;
  const { run, counts } = m;

  // Title page: what, which run, the summary and the severity chart.
  doc
    .font('regular')
    .fontSize(9)
    .fillColor(MUTED)
    .text('SELF-HOSTED INSPECTOR CLASSIC · ASSESSMENT RUN REPORT', { characterSpacing: 0.5 });
  doc.moveDown(0.3);
  doc
    .font('bold')
    .fontSize(22)
    .fillColor(INK)
    .text(`${m.title}: ${clean(run.name || run.runId)}`);
  doc
    .font('regular')
    .fontSize(9)
    .fillColor(MUTED)
    .text(`Run ${run.runId} · state ${run.state} · generated ${formatDate(m.generatedAt)}`);
  doc.moveDown(1);
  w.h2('Summary');
  const rows: Array<[string, string]> = [
    ['Run ID', run.runId],
    ['Run name', run.name || '—'],
  ];
  if (run.templateId) rows.push(['Template', run.templateId]);
  rows.push(
    ['State', run.state],
    ['Mode', run.mode === 'aws' ? 'AWS account' : 'Local'],
    ['Created', formatDate(run.createdAt)],
    ['Started', formatDate(run.startedAt)],
    ['Completed', formatDate(run.completedAt)],
    ['Instances assessed', String(counts.instances)],
    ['Rules evaluated', plural(counts.results, 'result')],
    ['Findings', String(counts.findings)],
  );
  if (counts.suppressed) rows.push(['Suppressed findings', String(counts.suppressed)]);
  rows.push(['Exclusions', String(counts.exclusions)]);
  w.kv(rows, 10);
  doc.moveDown(0.6);
  w.h4('Findings by severity');
  doc.moveDown(0.3);
  w.bars(SEVERITIES.map((s) => ({ label: s, value: counts.bySeverity[s], colour: COLOUR[s] })));
  w.table(
    [
      { header: 'Severity', width: 120 },
      { header: 'Numeric', width: 60, align: 'right' },
      { header: 'Findings', width: 60, align: 'right' },
    ],
    [
      ...SEVERITIES.map((s) => [s, String(NUMERIC_SEVERITY[s]), String(counts.bySeverity[s])]),
      ...(counts.otherSeverity ? [['Other', '—', String(counts.otherSeverity)]] : []),
    ],
    { size: 9, rowColour: (i) => COLOUR[SEVERITIES[i] as Severity] },
  );

  // Contents: pages reserved now, written at the end when every section's page is known.
  // An upper bound: ten sections, then one line per severity group, benchmark, host plan and instance.
  const tocLines =
    10 +
    m.severityGroups.length +
    m.compliance.length +
    (m.fixPlans?.length ?? 0) +
    (m.fullResults?.length ?? 0);
  const linesPerPage = 38;
  const tocPages = Math.max(1, Math.ceil(tocLines / linesPerPage));
  doc.addPage();
  const tocStart = doc.bufferedPageRange().count - 1;
  for (let i = 1; i < tocPages; i++) doc.addPage();

  // Changes since the previous run.
  if (m.changes) {
    const d = m.changes;
    w.h2(d.baseRun ? `Changes since ${d.baseRun.runId}` : 'Changes since the previous run', true);
    if (!d.baseRun)
      w.para(
        `No earlier completed run of this ${run.templateId ? 'template' : 'root'}: every finding is new.`,
      );
    else {
      w.para(
        `Compared with run ${d.baseRun.runId} (${d.baseRun.name}, created ${formatDate(d.baseRun.createdAt)}), by finding id.`,
      );
      doc.moveDown(0.3);
      w.kv([
        ['New', String(d.new.length)],
        ['Persisting', String(d.persisting.length)],
        ['Resolved', String(d.resolved.length)],
        ['Not reassessed', String(d.notReassessed.length)],
      ]);
      const changed = [
        ...d.new.map((f) => ['NEW', f] as const),
        ...d.resolved.map((f) => ['RESOLVED', f] as const),
        ...d.notReassessed.map((f) => ['NOT_REASSESSED', f] as const),
      ];
      if (changed.length)
        w.table(
          [
            { header: 'Change', width: 95 },
            { header: 'Severity', width: 80 },
            { header: 'Finding', width: 200 },
            { header: 'Instance', width: 125 },
          ],
          changed.map(([s, f]) => [s, f.severity, f.title, instanceText(m, f.instanceId, f.hostname)]),
        );
      else w.para('No finding appeared or went away.');
    }
  }

  w.h2('Instances assessed', !m.changes);
  if (m.instances.length === 0) w.para('No instance was assessed in this run. See the exclusions.');
  else
    w.table(
      [
        { header: 'Instance ID', width: 110, mono: true },
        { header: 'Hostname', width: 80 },
        { header: 'Operating system', width: 100 },
        { header: 'Kernel', width: 80 },
        { header: 'Arch', width: 45 },
        { header: 'Agent', width: 60 },
        { header: 'Findings', width: 50, align: 'right' },
      ],
      m.instances.map((i) => [
        i.instanceId,
        i.hostname ?? '—',
        i.os ?? '—',
        i.kernelRelease ?? '—',
        i.arch ?? '—',
        i.agentStatus,
        String(i.findingCount),
      ]),
    );

  w.h2('Rules packages');
  if (m.rulesPackages.length === 0) w.para('No rules package was recorded for this run.');
  else
    w.table(
      [
        { header: 'ID', width: 130, mono: true },
        { header: 'Name', width: 200 },
        { header: 'Version', width: 80 },
        { header: 'Findings', width: 60, align: 'right' },
      ],
      m.rulesPackages.map((p) => [
        p.id,
        p.described ? p.name : '(details not supplied)',
        p.version || '—',
        String(p.findingCount),
      ]),
    );

  w.h2(`Exclusions (${counts.exclusions})`);
  if (m.exclusions.length === 0)
    w.para('No exclusions: every targeted instance and rules package was assessed.');
  else {
    w.para(
      `${plural(m.exclusions.length, 'exclusion')}: the following could not be assessed, so the findings do not cover them.`,
    );
    w.table(
      [
        { header: 'Instance', width: 120, mono: true },
        { header: 'Scope', width: 90 },
        { header: 'Reason', width: 110 },
        { header: 'Message', width: 180 },
      ],
      m.exclusions.map((e) => [e.instanceId, e.scope ?? 'whole instance', e.reason, e.message]),
    );
  }

  if (m.packages.length) {
    w.h2('Vulnerable packages');
    w.para('CVE findings by source package (top 15; a finding counts once for each package it names).', {
      muted: true,
    });
    doc.moveDown(0.3);
    w.bars(
      m.packages.slice(0, 15).map((p) => ({
        label: p.name,
        value: p.count,
        colour: COLOUR[SEVERITIES.find((s) => p.bySeverity[s] > 0) ?? 'Informational'],
      })),
      150,
      230,
    );
    if (m.packages.length > 15)
      w.para(`and ${plural(m.packages.length - 15, 'more package')}.`, { muted: true });
  }

  if (m.fixPlans?.length) {
    w.h2('Fix plan');
    w.para(
      'Per host, the fewest package upgrades that close the most CVE findings, most urgent first (network exposure, known exploited, EPSS, severity).',
      { muted: true },
    );
    for (const p of m.fixPlans) {
      w.h3(`Fix plan: ${instanceText(m, p.instanceId, p.hostname)}`, true);
      w.para(
        `${plural(p.upgrades.length, 'upgrade')} close ${p.closable} of ${plural(p.cveFindings, 'CVE finding')}; ${p.open.length} stay open. ${
          p.reboot.needed ? `Reboot needed (${p.reboot.reasons.join('; ')}).` : 'No reboot needed.'
        }${p.runtimeTelemetry ? '' : ' No runtime telemetry: services to restart are not known.'}`,
      );
      if (p.upgrades.length)
        w.table(
          [
            { header: '#', width: 20, align: 'right' },
            { header: 'Source', width: 80, mono: true },
            { header: 'Closes', width: 120 },
            { header: 'Command', width: 190, mono: true },
            { header: 'After', width: 100 },
          ],
          p.upgrades.map((u, i) => [
            String(i + 1),
            u.source,
            [
              plural(u.closes.length, 'finding'),
              u.exposure ? `exposure ${u.exposure}` : '',
              u.kevCount ? `${u.kevCount} known exploited` : '',
              u.maxEpss !== undefined ? `EPSS ${(u.maxEpss * 100).toFixed(2)}%` : '',
              `max ${u.maxNumericSeverity}`,
            ]
              .filter(Boolean)
              .join(' · '),
            [u.command ?? 'upgrade by hand', ...u.notes].join('\n'),
            u.reboot
              ? `reboot: ${u.reboot}`
              : u.restarts.length
                ? `restart ${u.restarts.map((r) => `${r.comm} (pid ${r.pid})`).join(', ')}`
                : '—',
          ]),
        );
      if (p.open.length) {
        w.h4('Stays open');
        w.table(
          [
            { header: 'Vulnerability', width: 110, mono: true },
            { header: 'Severity', width: 80 },
            { header: 'Packages', width: 150 },
            { header: 'Why', width: 170 },
          ],
          p.open.map((o) => [o.vulnerabilityId, o.severity, o.packages.join(', '), o.reason]),
        );
      }
    }
  }

  if (m.compliance.length) {
    w.h2('Compliance (CIS benchmarks)');
    for (const g of m.compliance) {
      w.h3(`${g.label} on ${instanceText(m, g.instanceId)}`, true);
      w.para(
        `${g.profile ? `Profile ${g.profile}. ` : ''}Score: controls passed out of those judged (PASS or FAIL); NOT_APPLICABLE and ERROR are counted apart.`,
        { muted: true, size: 8.5 },
      );
      const row = (
        label: string,
        s: { passed: number; failed: number; notApplicable: number; errors: number },
        controls: number,
      ) => [
        label,
        String(controls),
        String(s.passed),
        String(s.failed),
        String(s.notApplicable),
        String(s.errors),
        `${scoreText(s.passed, s.passed + s.failed)} (${s.passed} / ${s.passed + s.failed})`,
      ];
      w.table(
        [
          { header: 'Section', width: 80 },
          { header: 'Controls', width: 55, align: 'right' },
          { header: 'Passed', width: 55, align: 'right' },
          { header: 'Failed', width: 55, align: 'right' },
          { header: 'N/A', width: 45, align: 'right' },
          { header: 'Error', width: 45, align: 'right' },
          { header: 'Score', width: 110, align: 'right' },
        ],
        [
          ...g.scores.map((s) => row(`Section ${s.section}`, s, s.results.length)),
          row('All sections', g.total, g.total.controls),
        ],
      );
      const shown = m.kind === 'full' ? g.results : g.results.filter((r) => r.result === 'FAIL');
      if (shown.length) {
        w.h4(m.kind === 'full' ? 'Every control' : 'Failed controls');
        writeResults(w, shown, true);
      } else w.para('No control failed.');
    }
  }

  w.h2(`Findings (${counts.findings})`, true);
  if (counts.findings === 0) {
    w.para(
      `No findings: no rule failed on the assessed instances.${counts.exclusions ? ` Note the ${plural(counts.exclusions, 'exclusion')}: what was excluded was not assessed.` : ''}`,
    );
  }
  let n = 0;
  for (const g of m.severityGroups) {
    if (counts.findings === 0) break;
    w.h3(
      `${g.label}: ${plural(g.findings.length, 'finding')}`,
      true,
      (COLOUR as Record<string, string>)[g.label] ?? INK,
    );
    if (g.findings.length === 0) {
      w.para(`No finding of severity ${g.label}.`, { muted: true });
      continue;
    }
    for (const sg of g.subgroups) {
      w.ensure(90);
      w.para(
        `${sg.subject} on ${instanceText(m, sg.instanceId)} · ${plural(sg.findings.length, 'finding')}`,
        {
          muted: true,
          size: 9,
        },
      );
      doc.moveDown(0.3);
      for (const f of sg.findings) writeFinding(w, m, f, ++n);
    }
  }

  if (m.fullResults) {
    w.h2('Rule results by instance', true);
    w.para('Every rule evaluated on every instance, failed or not.', { muted: true });
    for (const r of m.fullResults) {
      w.h3(instanceText(m, r.instanceId), true);
      w.para(
        (['PASS', 'FAIL', 'NOT_APPLICABLE', 'ERROR'] as const).map((k) => `${k} ${r.tally[k]}`).join(' · '),
        { muted: true, size: 9 },
      );
      if (r.results.length) writeResults(w, r.results, false);
      else w.para('No rule was evaluated on this instance.', { muted: true });
    }
  }

  // Contents, then page numbers on every page.
  doc.switchToPage(tocStart);
  doc.y = doc.page.margins.top;
  doc.x = doc.page.margins.left;
  doc.font('bold').fontSize(15).fillColor(INK).text('Contents', { width: w.width });
  doc.moveDown(0.5);
  let tocPage = tocStart;
  let line = 0;
  for (const e of w.toc) {
    if (line >= linesPerPage - 2) {
      if (tocPage >= tocStart + tocPages - 1) break; // cannot happen with the bound above; never overflow
      tocPage++;
      doc.switchToPage(tocPage);
      doc.y = doc.page.margins.top;
      line = 0;
    }
    const indent = e.level === 1 ? 0 : 16;
    const y = doc.y;
    const x = doc.page.margins.left + indent;
    doc
      .font(e.level === 1 ? 'bold' : 'regular')
      .fontSize(e.level === 1 ? 10.5 : 9.5)
      .fillColor(INK);
    // Title, dot leaders and page number as one line of text (extracted in that order), linked to the section.
    const avail = w.width - indent;
    const page = String(e.page);
    let label = clean(e.title);
    while (label.length > 8 && doc.widthOfString(`${label} ... ${page}`) > avail)
      label = `${label.slice(0, -2)}…`;
    const dot = Math.max(doc.widthOfString('.'), 0.1);
    const dots = Math.max(3, Math.floor((avail - doc.widthOfString(`${label}  ${page}`)) / dot) - 1);
    doc.text(`${label} ${'.'.repeat(dots)} ${page}`, x, y, { width: avail, lineBreak: false, goTo: e.dest });
    doc.y = y + (e.level === 1 ? 17 : 15);
    line++;
  }
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    const bottomMargin = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    const y = doc.page.height - 36;
    doc.font('regular').fontSize(8).fillColor(MUTED);
    doc.text(`${m.title} · run ${clean(run.runId)}`, doc.page.margins.left, y, {
      width: w.width / 2,
      lineBreak: false,
      ellipsis: true,
    });
    doc.text(`Page ${i + 1} of ${range.count}`, doc.page.margins.left + w.width / 2, y, {
      width: w.width / 2,
      align: 'right',
      lineBreak: false,
    });
    doc.page.margins.bottom = bottomMargin;
  }
  doc.end();
  return done;
}

/** Renders the findings (or full) report of one assessment run as a PDF document. */
export async function renderPdfReport(output: AssessmentOutput, opts: ReportOptions): Promise<Buffer> {
  return renderPdfFromModel(buildReportModel(output, opts));
}
