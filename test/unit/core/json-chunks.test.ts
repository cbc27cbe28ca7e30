/**
 * jsonChunks: the text of JSON.stringify(value, null, space), byte for byte, in pieces; checked on hand-made
 * values (everything JSON.stringify treats apart: undefined, functions, symbols, toJSON, empty containers,
 * newlines in strings, nesting past the split depth) and on a real assessment output.
 */
import { describe, expect, it } from 'vitest';
import { jsonChunks } from '../../../functions/core/json-chunks';
import { syntheticOutput } from '../../helpers/report-output';

const VALUES: Array<[string, unknown]> = [
  ['scalars', [1, -0.5, 'a"b\\c', true, null, '', '\u2028\n\t']],
  ['empty containers', { a: [], b: {}, c: [[], {}], d: [{}] }],
  [
    'left out in objects, null in arrays',
    { a: undefined, f: () => 1, s: Symbol('x'), k: [undefined, () => 0] },
  ],
  ['toJSON and non-plain objects', { d: new Date(0), m: new Map([[1, 2]]), n: [new Date(1)] }],
  ['strings with newlines, deep nesting', { x: { y: { z: [{ w: 'line1\nline2' }, [1, [2, [3]]]] } } }],
  ['top-level array', [{ a: 1 }, [2, { b: [3] }], 'x']],
  ['top-level scalar', 'just a string'],
  ['object without prototype', Object.assign(Object.create(null), { a: 1, b: [1, 2] })],
];

describe('jsonChunks', () => {
  it.each(VALUES)('%s: the same text as JSON.stringify, at every split depth and indent', (_, value) => {
    for (const space of [0, 2, 4])
      for (const depth of [0, 1, 2, 3, 8])
        expect([...jsonChunks(value, space, depth)].join(''), `space ${space} depth ${depth}`).toBe(
          JSON.stringify(value, null, space),
        );
  });

  it('yields nothing where JSON.stringify returns undefined', () => {
    expect([...jsonChunks(undefined)]).toEqual([]);
    expect([...jsonChunks(() => 1)]).toEqual([]);
  });

  it('an assessment output: the text of JSON.stringify (compact and indented), each result and finding a piece', () => {
    const output = syntheticOutput(300);
    const compact = [...jsonChunks(output)];
    expect(compact.join('')).toBe(JSON.stringify(output));
    const pretty = [...jsonChunks(output, 2)];
    expect(pretty.join('')).toBe(JSON.stringify(output, null, 2));
    // Never one piece for the whole: the largest piece is one element of an array.
    const largest = Math.max(...pretty.map((c) => c.length));
    const largestElement = Math.max(
      ...[...output.results, ...output.findings].map((x) => JSON.stringify(x, null, 2).length * 2),
    );
    expect(largest).toBeLessThanOrEqual(largestElement);
    expect(pretty.length).toBeGreaterThan(output.results.length + output.findings.length);
  });
});
