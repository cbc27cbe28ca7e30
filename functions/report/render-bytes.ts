/**
 * The reports function's renderer (core/control-plane/assessment-reports.ts ReportRenderer): the same
 * report model, diff and fix plans as the local `inspector report`, rendered to HTML or PDF bytes.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { ReportRenderer } from '../core/control-plane/assessment-reports';
import { RULES_PACKAGE_CATALOG } from '../rules/catalog';
import { diffRuns } from './diff';
import { buildFixPlans } from './fix-plan';
import { renderHtmlReport } from './html';
import type { ReportOptions } from './model';

/** The PDF renderer's file beside the reports function's index.js (pdfkit and fontkit: ~0.9 MB). */
export const REPORT_PDF_SIDE_BUNDLE = 'report-pdf.js';

type PdfModule = typeof import('./pdf');

/**
 * The PDF renderer, loaded on first use. In the Lambda it is a file of its own beside index.js
 * (REPORT_PDF_SIDE_BUNDLE; the fonts are in fonts/ beside it), so index.js stays small and HTML renders never
 * load pdfkit; from the sources (tests, the local CLI) it is the module itself, by a URL esbuild leaves alone.
 */
async function loadPdfRenderer(): Promise<PdfModule> {
  const bundled = typeof __dirname === 'string' ? path.join(__dirname, REPORT_PDF_SIDE_BUNDLE) : undefined;
  if (bundled && existsSync(bundled)) return require(bundled) as PdfModule;
  const source = new URL('./pdf.ts', import.meta.url).href;
  return (await import(source)) as PdfModule;
}

export const renderReportBytes: ReportRenderer = async (output, options) => {
  const opts: ReportOptions = {
    rulesPackages: output.run.rulesPackages.map((id) => {
      const p = RULES_PACKAGE_CATALOG.find((x) => x.id === id);
      return { id, name: p?.name ?? id, version: p?.version ?? '' };
    }),
    generatedAt: options.generatedAt,
    kind: options.kind,
    changes: diffRuns(output, options.baseline),
    fixPlans: buildFixPlans(output.findings, output.instances),
  };
  if (options.format === 'HTML') return new TextEncoder().encode(renderHtmlReport(output, opts));
  const { renderPdfReport } = await loadPdfRenderer();
  return renderPdfReport(output, opts);
};
