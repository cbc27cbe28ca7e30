/**
 * Reading chosen members of a large JSON object a piece at a time, without parsing the rest: a member wanted
 * whole is parsed once its text is complete, an array member wanted by element hands each element over as it
 * completes (each parsed on its own), and every other member is only scanned past. So the findings of an
 * earlier run's assessment.json (tens of MB) can be read without the document, or its results, ever being in
 * memory whole.
 *
 * The scanner looks at the ASCII bytes that give JSON its structure (quotes, backslashes, brackets, braces,
 * commas, colons); the bytes of a multi-byte UTF-8 character are all ≥ 0x80, so they never look like one.
 * Text it cannot follow (not an object, unbalanced brackets, a truncated document) is an error, and every
 * piece it hands over is checked by JSON.parse.
 */

/**
 * What is done with a member: `value` parsed (JSON.parse of its text); `raw` its text as bytes, not parsed;
 * `range` only where it is (its [start, end) byte offsets in the document); a function: the member is an
 * array, each element parsed and handed over as it completes.
 */
export type MemberWant = 'value' | 'raw' | 'range' | ((element: unknown) => void);

export class JsonMembersError extends Error {
  override readonly name = 'JsonMembersError';
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const isOpen = (c: number) => c === 0x7b || c === 0x5b; // { [
const isClose = (c: number) => c === 0x7d || c === 0x5d; // } ]
const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/** What the scanner is reading at the top level (depth 1) or inside a wanted array (depth 2). */
type Place =
  | 'start' // before the document's opening brace
  | 'key' // a member's key expected (or the closing brace)
  | 'in-key'
  | 'colon'
  | 'value' // a member's value expected
  | 'in-value' // inside a member's value that is not split into elements
  | 'after' // a member's value read: a comma or the closing brace expected
  | 'elements' // inside a wanted array: an element (or the closing bracket) expected
  | 'in-element'
  | 'after-element'
  | 'end';

export class JsonMembersReader {
  private depth = 0;
  private inString = false;
  private escaped = false;
  private place: Place = 'start';
  /** The scalar (number, true, false, null) being read: it ends at the next delimiter, not at a bracket. */
  private scalar = false;
  /** A comma was read: a member or an element must follow, not a closing brace or bracket. */
  private afterComma = false;
  private key = '';
  private want: MemberWant | undefined;
  private parts: Buffer[] = [];
  private from = -1;
  /** Bytes of the document before the current piece. */
  private offset = 0;
  private rangeStart = -1;
  /** The members read (no prototype: a member named __proto__ is a member like any other). */
  readonly values: Record<string, unknown> = Object.create(null);

  /** `otherwise`: what is done with the members `wanted` does not name (default: nothing, they are skipped). */
  constructor(
    private readonly wanted: Readonly<Record<string, MemberWant>>,
    private readonly source: string,
    private readonly otherwise?: MemberWant,
  ) {}

  private fail(message: string): never {
    throw new JsonMembersError(`${this.source}: ${message}`);
  }

  private begin(i: number): void {
    this.parts = [];
    this.from = i;
  }

  /**
   * The captured bytes up to `end` (exclusive) in `buf`: a view of the piece when they lie in one (pieces are
   * never reused by the reader; a caller that reuses its buffers must copy a `raw` member it keeps).
   */
  private takeBytes(buf: Buffer, end: number): Buffer {
    this.parts.push(buf.subarray(this.from, end));
    const bytes = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts);
    this.parts = [];
    this.from = -1;
    return bytes;
  }

  /** The captured text up to `end` (exclusive) in `buf`, parsed. */
  private take(buf: Buffer, end: number): unknown {
    const text = this.takeBytes(buf, end).toString('utf8');
    try {
      return JSON.parse(text);
    } catch (err) {
      return this.fail(`member ${JSON.stringify(this.key)}: ${(err as Error).message}`);
    }
  }

  private capturing(): boolean {
    return this.from >= 0;
  }

  /** The end of a member's value (at depth 1) or of a wanted array's element (depth 2). */
  private ended(buf: Buffer, end: number): void {
    if (this.place === 'in-element') {
      const element = this.take(buf, end);
      (this.want as (e: unknown) => void)(element);
      this.place = 'after-element';
    } else {
      if (this.want === 'range') this.values[this.key] = [this.rangeStart, this.offset + end];
      else if (this.capturing())
        this.values[this.key] = this.want === 'raw' ? this.takeBytes(buf, end) : this.take(buf, end);
      this.place = 'after';
    }
    this.scalar = false;
  }

  /** Reads the next piece of the document. */
  push(buf: Buffer): void {
    for (let i = 0; i < buf.length; i++) {
      const c = buf[i]!;
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === BACKSLASH) this.escaped = true;
        else if (c === QUOTE) {
          this.inString = false;
          if (this.place === 'in-key') {
            this.key = this.take(buf, i + 1) as string;
            this.place = 'colon';
          } else if (
            (this.place === 'in-value' && this.depth === 1) ||
            (this.place === 'in-element' && this.depth === 2)
          )
            this.ended(buf, i + 1);
        }
        continue;
      }
      if (this.scalar && (isSpace(c) || c === COMMA || isClose(c))) this.ended(buf, i);
      if (isSpace(c)) continue;
      switch (this.place) {
        case 'start':
          if (c !== 0x7b) this.fail('not a JSON object');
          this.depth = 1;
          this.place = 'key';
          continue;
        case 'key':
          if (c === 0x7d && !this.afterComma) {
            this.depth = 0;
            this.place = 'end';
          } else if (c === QUOTE) {
            this.afterComma = false;
            this.begin(i);
            this.inString = true;
            this.place = 'in-key';
          } else this.fail(`a member's name expected at byte ${i}`);
          continue;
        case 'colon':
          if (c !== COLON) this.fail(`':' expected after ${JSON.stringify(this.key)}`);
          this.place = 'value';
          continue;
        case 'value': {
          this.want = Object.hasOwn(this.wanted, this.key) ? this.wanted[this.key] : this.otherwise;
          if (typeof this.want === 'function' && c === 0x5b) {
            this.depth = 2;
            this.place = 'elements';
            continue;
          }
          this.place = 'in-value';
          if (this.want === 'value' || this.want === 'raw') this.begin(i);
          else if (this.want === 'range') this.rangeStart = this.offset + i;
          break; // the value's first byte is read below
        }
        case 'elements':
          if (c === 0x5d && !this.afterComma) {
            this.depth = 1;
            this.place = 'after';
            continue;
          }
          if (c === 0x5d) this.fail(`a value expected in ${JSON.stringify(this.key)}`);
          this.afterComma = false;
          this.place = 'in-element';
          this.begin(i);
          break;
        case 'after':
          if (c === COMMA) {
            this.place = 'key';
            this.afterComma = true;
          } else if (c === 0x7d) {
            this.depth = 0;
            this.place = 'end';
          } else this.fail(`',' or '}' expected after ${JSON.stringify(this.key)}`);
          continue;
        case 'after-element':
          if (c === COMMA) {
            this.place = 'elements';
            this.afterComma = true;
          } else if (c === 0x5d) {
            this.depth = 1;
            this.place = 'after';
          } else this.fail(`',' or ']' expected in ${JSON.stringify(this.key)}`);
          continue;
        case 'end':
          this.fail('text after the end of the document');
      }
      // Inside a value or an element (its first byte included).
      const base = this.place === 'in-element' ? 2 : 1;
      if (c === QUOTE) this.inString = true;
      else if (isOpen(c)) this.depth++;
      else if (isClose(c)) {
        this.depth--;
        if (this.depth < base)
          this.fail(`unbalanced ${String.fromCharCode(c)} in ${JSON.stringify(this.key)}`);
        if (this.depth === base) this.ended(buf, i + 1);
      } else if (this.depth === base && !this.scalar) {
        if (c === COMMA || c === COLON) this.fail(`a value expected in ${JSON.stringify(this.key)}`);
        this.scalar = true;
      }
    }
    // A capture running past this piece keeps what it has so far.
    if (this.capturing()) {
      this.parts.push(buf.subarray(this.from));
      this.from = 0;
    }
    this.offset += buf.length;
  }

  /** After the last piece: the document must be complete. */
  end(): Record<string, unknown> {
    if (this.place !== 'end') this.fail('the document ends before its closing brace');
    return this.values;
  }
}
