/**
 * A small, strict XML reader for the feed formats we take (updateinfo.xml, repomd.xml): elements,
 * attributes, text, CDATA and the predefined and numeric entities. No DTDs, no namespaces resolution
 * (prefixes stay in names). Mismatched or unclosed tags are errors, never guessed around.
 */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  /** Concatenated text directly inside the element (entities decoded). */
  text: string;
}

const TOKEN =
  /<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!DOCTYPE[^>[]*(?:\[[\s\S]*?\])?\s*>|<!\[CDATA\[([\s\S]*?)\]\]>|<\/([^\s>]+)\s*>|<([^\s/>!?]+)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|([^<]+)|(<)/g;
const ATTR = /([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

export class XmlError extends Error {
  override readonly name = 'XmlError';
}

export function decodeEntities(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|amp|lt|gt|quot|apos);/g, (_, e: string) => {
    switch (e) {
      case 'amp':
        return '&';
      case 'lt':
        return '<';
      case 'gt':
        return '>';
      case 'quot':
        return '"';
      case 'apos':
        return "'";
      default: {
        const code = e.startsWith('#x') ? Number.parseInt(e.slice(2), 16) : Number.parseInt(e.slice(1), 10);
        return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : '';
      }
    }
  });
}

/** Parse a document; returns its root element. Throws XmlError with the line of the problem. */
export function parseXml(text: string): XmlElement {
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  TOKEN.lastIndex = 0;
  const lineAt = (i: number) => text.slice(0, i).split('\n').length;
  for (let m = TOKEN.exec(text); m; m = TOKEN.exec(text)) {
    const [, cdata, close, open, attrText, selfClose, chars, stray] = m;
    if (stray) throw new XmlError(`line ${lineAt(m.index)}: stray "<"`);
    if (cdata !== undefined || chars !== undefined) {
      const top = stack.at(-1);
      if (top) top.text += cdata ?? decodeEntities(chars!);
      else if ((chars ?? '').trim())
        throw new XmlError(`line ${lineAt(m.index)}: text outside the root element`);
      continue;
    }
    if (close) {
      const top = stack.pop();
      if (!top || top.name !== close) {
        throw new XmlError(
          `line ${lineAt(m.index)}: </${close}> does not close <${top?.name ?? '(nothing)'}>`,
        );
      }
      continue;
    }
    if (open) {
      const attrs: Record<string, string> = {};
      ATTR.lastIndex = 0;
      for (let a = ATTR.exec(attrText ?? ''); a; a = ATTR.exec(attrText ?? '')) {
        attrs[a[1]!] = decodeEntities(a[2] ?? a[3] ?? '');
      }
      const el: XmlElement = { name: open, attrs, children: [], text: '' };
      const parent = stack.at(-1);
      if (parent) parent.children.push(el);
      else if (root) throw new XmlError(`line ${lineAt(m.index)}: a second root element <${open}>`);
      else root = el;
      if (!selfClose) stack.push(el);
    }
  }
  if (stack.length > 0)
    throw new XmlError(`unclosed element <${stack.at(-1)!.name}> at the end of the document`);
  if (!root) throw new XmlError('no root element');
  return root;
}

export const child = (el: XmlElement, name: string): XmlElement | undefined =>
  el.children.find((c) => c.name === name);
export const childrenNamed = (el: XmlElement, name: string): XmlElement[] =>
  el.children.filter((c) => c.name === name);
