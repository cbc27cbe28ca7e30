/**
 * A small, strict XML reader for configuration files such as firewalld's zone files: elements with their
 * attributes, children and text. It reads the XML declaration and processing instructions (skipped),
 * comments, CDATA sections, and the five predefined entities and character references in attributes and
 * text. It refuses a DOCTYPE (so no entity can be declared or expanded), an undefined entity, mismatched or
 * unclosed tags, duplicate attributes, content outside the root element, and documents past its limits
 * (depth, elements): each with an XmlError saying where.
 */

export interface XmlElement {
  name: string;
  attributes: Readonly<Record<string, string>>;
  children: XmlElement[];
  /** The element's own text (not its children's), entities decoded. */
  text: string;
}

export class XmlError extends Error {
  override readonly name = 'XmlError';
}

export const XML_LIMITS = { maxDepth: 64, maxElements: 20_000 } as const;

const NAME = /[A-Za-z_:][-A-Za-z0-9_:.]*/y;
const PREDEFINED: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decode(raw: string, at: () => string): string {
  return raw.replace(/&([^;&\s]*);?/g, (whole, ref: string) => {
    if (!whole.endsWith(';')) throw new XmlError(`unterminated entity reference "${whole}" ${at()}`);
    if (ref.startsWith('#')) {
      const code = ref[1] === 'x' ? Number.parseInt(ref.slice(2), 16) : Number.parseInt(ref.slice(1), 10);
      const valid = ref[1] === 'x' ? /^#x[0-9A-Fa-f]+$/.test(ref) : /^#\d+$/.test(ref);
      if (!valid || !(code > 0 && code <= 0x10ffff))
        throw new XmlError(`bad character reference "${whole}" ${at()}`);
      return String.fromCodePoint(code);
    }
    const v = PREDEFINED[ref];
    if (v === undefined) throw new XmlError(`undefined entity "${whole}" ${at()}`);
    return v;
  });
}

/** Parses a whole document and returns its root element. */
export function parseXml(input: string): XmlElement {
  const text = input.startsWith('\uFEFF') ? input.slice(1) : input;
  let i = 0;
  let elements = 0;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  const lineAt = (pos: number) => {
    let line = 1;
    for (let k = 0; k < pos && k < text.length; k++) if (text[k] === '\n') line++;
    return line;
  };
  const at = () => `at line ${lineAt(i)}`;
  const expect = (s: string) => {
    if (!text.startsWith(s, i)) throw new XmlError(`expected "${s}" ${at()}`);
    i += s.length;
  };
  const skipBlanks = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const name = (): string => {
    NAME.lastIndex = i;
    const m = NAME.exec(text);
    if (!m) throw new XmlError(`expected a name ${at()}`);
    i += m[0].length;
    return m[0];
  };
  const until = (end: string, what: string): string => {
    const j = text.indexOf(end, i);
    if (j < 0) throw new XmlError(`unterminated ${what} ${at()}`);
    const s = text.slice(i, j);
    i = j + end.length;
    return s;
  };

  while (i < text.length) {
    if (text[i] !== '<') {
      const j = text.indexOf('<', i);
      const raw = text.slice(i, j < 0 ? text.length : j);
      const top = stack.at(-1);
      if (top) top.text += decode(raw, at);
      else if (raw.trim() !== '') throw new XmlError(`text outside the root element ${at()}`);
      i = j < 0 ? text.length : j;
      continue;
    }
    if (text.startsWith('<?', i)) {
      i += 2;
      until('?>', 'processing instruction');
      continue;
    }
    if (text.startsWith('<!--', i)) {
      i += 4;
      const c = until('-->', 'comment');
      if (c.includes('--')) throw new XmlError(`"--" inside a comment ${at()}`);
      continue;
    }
    if (text.startsWith('<![CDATA[', i)) {
      const top = stack.at(-1);
      if (!top) throw new XmlError(`CDATA outside the root element ${at()}`);
      i += 9;
      top.text += until(']]>', 'CDATA section');
      continue;
    }
    if (text.startsWith('<!', i)) throw new XmlError(`DOCTYPE and declarations are not accepted ${at()}`);
    if (text.startsWith('</', i)) {
      i += 2;
      const n = name();
      skipBlanks();
      expect('>');
      const open = stack.pop();
      if (!open) throw new XmlError(`closing tag </${n}> without an open element ${at()}`);
      if (open.name !== n) throw new XmlError(`closing tag </${n}> does not match <${open.name}> ${at()}`);
      continue;
    }
    // A start tag.
    i++;
    const el: XmlElement = { name: name(), attributes: {}, children: [], text: '' };
    const attrs: Record<string, string> = {};
    for (;;) {
      const before = i;
      skipBlanks();
      if (text.startsWith('/>', i) || text[i] === '>') break;
      if (i === before) throw new XmlError(`expected a blank before an attribute ${at()}`);
      const a = name();
      skipBlanks();
      expect('=');
      skipBlanks();
      const q = text[i];
      if (q !== '"' && q !== "'") throw new XmlError(`attribute ${a} has no quoted value ${at()}`);
      i++;
      const raw = until(q, `value of attribute ${a}`);
      if (raw.includes('<')) throw new XmlError(`"<" in the value of attribute ${a} ${at()}`);
      if (Object.hasOwn(attrs, a)) throw new XmlError(`duplicate attribute ${a} ${at()}`);
      attrs[a] = decode(raw, at);
    }
    el.attributes = attrs;
    if (++elements > XML_LIMITS.maxElements)
      throw new XmlError(`more than ${XML_LIMITS.maxElements} elements`);
    const parent = stack.at(-1);
    if (parent) parent.children.push(el);
    else if (root) throw new XmlError(`a second root element <${el.name}> ${at()}`);
    else root = el;
    if (text.startsWith('/>', i)) {
      i += 2;
      continue;
    }
    i++;
    stack.push(el);
    if (stack.length > XML_LIMITS.maxDepth)
      throw new XmlError(`elements nested deeper than ${XML_LIMITS.maxDepth}`);
  }
  if (stack.length) throw new XmlError(`<${stack.at(-1)!.name}> is not closed at the end of the document`);
  if (!root) throw new XmlError('no root element');
  return root;
}
