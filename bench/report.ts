/**
 * Report generation: the findings report of 100 and 5,000 findings (and the full report of 5,000), as HTML and
 * as PDF, from a synthetic run (test/helpers/report-output.ts: CVE and best-practice findings over 3 instances)
 * with its fix plans. Prints the median time of 3 renders (the first render of a process also parses the fonts:
 * printed apart), the output size and the PDF's page count. Run: npx tsx bench/report.ts
 */
import { buildFixPlans } from '../functions/report/fix-plan';
import { renderHtmlFromModel } from '../functions/report/html';
import { buildReportModel, type ReportKind } from '../functions/report/model';
import { renderPdfFromModel } from '../functions/report/pdf';
import { syntheticOutput } from '../test/helpers/report-output';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Median wall time and median CPU time (user + system; steadier than wall time on a loaded machine). */
async function time<T>(fn: () => Promise<T> | T, n = 3): Promise<{ ms: number; cpuMs: number; value: T }> {
  const xs: number[] = [];
  const cpu: number[] = [];
  let value: T | undefined;
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    value = await fn();
    const c = process.cpuUsage(c0);
    xs.push(performance.now() - t0);
    cpu.push((c.user + c.system) / 1000);
  }
  return { ms: median(xs), cpuMs: median(cpu), value: value as T };
}

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(2)} MB`;

export async function reportBench(): Promise<void> {
  console.log('Report generation (npx tsx bench/report.ts)');
  const model = (count: number, kind: ReportKind) => {
    const out = syntheticOutput(count);
    return buildReportModel(out, {
      rulesPackages: [{ id: 'cve', name: 'CVE', version: 'bench' }],
      generatedAt: new Date().toISOString(),
      kind,
      fixPlans: buildFixPlans(out.findings, out.instances),
    });
  };
  const first = performance.now();
  await renderPdfFromModel(model(1, 'findings'));
  console.log(
    `  first PDF of the process (font parsing included): ${(performance.now() - first).toFixed(0)} ms`,
  );
  for (const [count, kind] of [
    [100, 'findings'],
    [5000, 'findings'],
    [5000, 'full'],
  ] as const) {
    const built = await time(() => model(count, kind));
    const html = await time(() => renderHtmlFromModel(built.value));
    const pdf = await time(() => renderPdfFromModel(built.value));
    const pages = (pdf.value.toString('latin1').match(/\/Type \/Page\b/g) ?? []).length;
    console.log(
      `  ${String(count).padStart(5)} findings, ${kind.padEnd(8)}  model ${built.ms.toFixed(0).padStart(5)} ms` +
        `  html ${html.ms.toFixed(0).padStart(5)} ms ${mb(Buffer.byteLength(html.value)).padStart(9)}` +
        `  pdf ${pdf.ms.toFixed(0).padStart(6)} ms (CPU ${pdf.cpuMs.toFixed(0)} ms) ${mb(pdf.value.length).padStart(9)} ${pages} pages`,
    );
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await reportBench();
