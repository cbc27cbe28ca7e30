/** Human output of the control-plane commands: aligned tables and key/value blocks (JSON is printed as is). */

export type Cell = string | number | boolean | undefined | null;
export interface Column<T> {
  header: string;
  value: (row: T) => Cell;
}

export function renderTable<T>(rows: readonly T[], columns: ReadonlyArray<Column<T>>): string {
  const cells = rows.map((r) => columns.map((c) => clean(c.value(r))));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((row) => row[i]!.length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [
    line(columns.map((c) => c.header)),
    line(widths.map((w) => '-'.repeat(w))),
    ...cells.map(line),
  ].join('\n');
}

export function renderKeyValues(pairs: ReadonlyArray<[string, Cell]>): string {
  const width = Math.max(0, ...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `${k.padEnd(width)}  ${clean(v)}`.trimEnd()).join('\n');
}

/** One line per cell: no control characters (values come from the service and from users). */
export function clean(v: Cell): string {
  if (v === undefined || v === null) return '-';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping them is the point
  return String(v).replace(/[\u0000-\u001f\u007f]+/g, ' ');
}

export function joinTags(tags: ReadonlyArray<{ key: string; value?: string; values?: string[] }>): string {
  if (tags.length === 0) return '-';
  return tags
    .map((t) => {
      if (t.values && t.values.length > 0) return `${t.key}=${t.values.join('|')}`;
      return t.value !== undefined ? `${t.key}=${t.value}` : t.key;
    })
    .join(', ');
}
