/**
 * The reports function's renderer (core/control-plane/assessment-reports.ts ReportRenderer): the same
 * report model, diff and fix plans as the local `inspector report`, rendered to HTML or PDF bytes.
 */
import type { ReportRenderer } from '../core/control-plane/assessment-reports';
import { RULES_PACKAGE_CATALOG } from '../rules/catalog';
import { diffRuns } from './diff';
import { buildFixPlans } from './fix-plan';
import { renderHtmlReport } from './html';
import type { ReportOptions } from './model';

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
  const { renderPdfReport } = await import('./pdf');
  return renderPdfReport(output, opts);
};
