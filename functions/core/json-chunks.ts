/**
 * JSON.stringify in pieces: the same text, byte for byte, as `JSON.stringify(value, null, space)`, yielded a
 * piece at a time so a large document (an assessment's thousands of results and findings) can be written to
 * a stream without ever being one string in memory. Objects and arrays down to `depth` levels are opened and
 * closed here, their members serialized one by one; anything deeper is one `JSON.stringify` call, re-indented
 * (JSON.stringify escapes every newline inside a string, so each newline of its output is layout).
 *
 * Plain data only, as JSON.stringify sees it: a value with `toJSON` (a Date) or a non-plain object is
 * stringified whole wherever it is; members whose value JSON leaves out (undefined, functions, symbols) are
 * left out of objects and written `null` in arrays, as JSON.stringify does.
 *
 * `raw`: the JSON text (compact, as JSON.stringify wrote it) a value stands for, when it has one (a record
 * kept on disk whose in-memory copy is slim: adapters/local/record-spill.ts); that text is written in its
 * place (re-indented through JSON.parse when `space` is set, which gives JSON.stringify's text of the same
 * value), read when its turn comes.
 */

const omitted = (v: unknown) => v === undefined || typeof v === 'function' || typeof v === 'symbol';

function isContainer(v: unknown): v is Record<string, unknown> | unknown[] {
  if (v === null || typeof v !== 'object') return false;
  if (typeof (v as { toJSON?: unknown }).toJSON === 'function') return false;
  if (Array.isArray(v)) return true;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/**
 * The pieces of `JSON.stringify(value, null, space)` (space: 0 for the compact form). `depth`: how many
 * levels of objects and arrays are split into pieces (2: the top-level object's members, and each element
 * of its arrays, are pieces of their own). Yields nothing for a value JSON.stringify returns undefined for.
 */
export function* jsonChunks(
  value: unknown,
  space = 0,
  depth = 2,
  raw?: (value: unknown) => string | undefined,
): Generator<string> {
  yield* chunksOf(value, space, depth, '', raw);
}

function* chunksOf(
  value: unknown,
  space: number,
  depth: number,
  indent: string,
  raw: ((value: unknown) => string | undefined) | undefined,
): Generator<string> {
  const stored = raw?.(value);
  if (stored !== undefined || depth <= 0 || !isContainer(value)) {
    const text =
      stored === undefined
        ? JSON.stringify(value, null, space)
        : space
          ? JSON.stringify(JSON.parse(stored), null, space)
          : stored;
    if (text === undefined) return;
    yield indent && space ? text.replaceAll('\n', `\n${indent}`) : text;
    return;
  }
  const inner = space ? `${indent}${' '.repeat(space)}` : '';
  const open = space ? `\n${inner}` : '';
  const close = space ? `\n${indent}` : '';
  if (Array.isArray(value)) {
    if (value.length === 0) {
      yield '[]';
      return;
    }
    yield `[${open}`;
    for (let i = 0; i < value.length; i++) {
      if (i > 0) yield `,${open}`;
      const v = value[i];
      if (omitted(v)) yield 'null';
      else yield* chunksOf(v, space, depth - 1, inner, raw);
    }
    yield `${close}]`;
    return;
  }
  const keys = Object.keys(value).filter((k) => !omitted(value[k]));
  if (keys.length === 0) {
    yield '{}';
    return;
  }
  yield `{${open}`;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    yield `${i > 0 ? `,${open}` : ''}${JSON.stringify(k)}:${space ? ' ' : ''}`;
    yield* chunksOf(value[k], space, depth - 1, inner, raw);
  }
  yield `${close}}`;
}
