/** Plain-text tables for the terminal: columns padded to their widest cell, long cells cut with an ellipsis. */
export function table(
  headers: readonly string[],
  rows: ReadonlyArray<readonly string[]>,
  maxWidth = 60,
): string {
  const cut = (s: string) => {
    const one = s.replace(/\s+/g, ' ').trim();
    return one.length > maxWidth ? `${one.slice(0, maxWidth - 1)}…` : one;
  };
  const cells = [headers, ...rows].map((r) => r.map(cut));
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** Progress on a terminal only: nothing when stderr is not a TTY or when JSON was asked for. */
export function progressReporter(enabled: boolean): (step: string) => void {
  if (!enabled || !process.stderr.isTTY) return () => {};
  return (step) => process.stderr.write(`… ${step}\n`);
}
