/**
 * JsonMembersReader: the members asked for, read from a document given in pieces of every size (one byte
 * upwards, so every boundary falls inside strings, escapes, multi-byte characters and numbers), are what
 * JSON.parse gives; other members are not parsed; a document it cannot follow is an error, never a wrong answer.
 */
import { describe, expect, it } from 'vitest';
import { JsonMembersError, JsonMembersReader } from '../../../functions/core/json-members';
import { syntheticOutput } from '../../helpers/report-output';

function read(doc: string, piece: number): { run: unknown; findings: unknown[] } {
  const findings: unknown[] = [];
  const r = new JsonMembersReader({ run: 'value', findings: (f) => findings.push(f) }, 'doc.json');
  const b = Buffer.from(doc);
  for (let i = 0; i < b.length; i += piece) r.push(b.subarray(i, i + piece));
  return { run: r.end().run, findings };
}

const DOCS: Array<[string, string]> = [
  ['an assessment output (compact)', JSON.stringify(syntheticOutput(60))],
  ['an assessment output (indented)', JSON.stringify(syntheticOutput(8), null, 2)],
  [
    'brackets, quotes and escapes inside strings; scalars of every kind',
    JSON.stringify({
      results: [{ m: ']}"\\' }],
      run: { s: 'a\\"]}{[,:', é: 'ü€𝄞' },
      findings: [1, 'a]', { x: '}' }, [2, [3]], null, true, false, -1.5e3, '', {}, []],
      tail: 'x',
    }),
  ],
  ['members in another order, empty ones', '{"findings":[],"results":[[[]]],"run":"x\\"y"}'],
  ['whitespace everywhere', ' {\n "run" : { } ,\t"findings" : [ 1 , "2" , [ ] ] ,"n": 5 }\n'],
  ['a scalar member last', '{"findings":[{"a":1}],"run":12}'],
];

describe('JsonMembersReader', () => {
  it.each(DOCS)('%s: the same as JSON.parse, whatever the pieces', (_, doc) => {
    const whole = JSON.parse(doc) as { run: unknown; findings: unknown[] };
    for (const piece of [1, 2, 3, 7, 64, 4096, 1 << 20]) {
      const got = read(doc, piece);
      expect(got.run, `pieces of ${piece}`).toEqual(whole.run);
      expect(got.findings, `pieces of ${piece}`).toEqual(whole.findings);
    }
  });

  it('leaves the other members unparsed', () => {
    const r = new JsonMembersReader({ run: 'value' }, 'doc.json');
    r.push(Buffer.from('{"results":[{"a":1}],"run":{"b":2},"findings":[3]}'));
    expect(r.end()).toEqual({ run: { b: 2 } });
  });

  it.each([
    ['[1]', 'not a JSON object'],
    ['{"run":1', 'the document ends before its closing brace'],
    ['{"run":[1,2}', 'member "run": '],
    ['{"run":1}}', 'text after the end of the document'],
    ['{"findings":[1,]}', 'a value expected in "findings"'],
    ['{"run":1,}', "a member's name expected"],
    ['{"run" 1}', `':' expected after "run"`],
    ['{"run":{"a":tru}}', 'member "run": '],
    ['{"findings":[1 2]}', `',' or ']' expected in "findings"`],
    ['{"run":{"a":1}]}', `',' or '}' expected after "run"`],
  ])('%s: an error (%s)', (doc, message) => {
    expect(() => read(doc, 1)).toThrow(JsonMembersError);
    expect(() => read(doc, 3)).toThrow(message);
  });
});
