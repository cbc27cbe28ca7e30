/**
 * A small, strict HTML tokenizer for the report tests (no HTML parser is installed and none is added).
 * It reads the subset of HTML the report writes — doctype, elements with quoted attributes, void and
 * self-closing (SVG) elements, a raw-text <style> — and throws on anything else, so a stray `<` in text or an
 * unquoted attribute fails loudly instead of being tolerated the way a browser would.
 */

export interface ElementNode {
  name: string;
  attrs: Record<string, string>;
  children: Node[];
  parent?: ElementNode;
}
export type Node = ElementNode | string;

const VOID = new Set(['meta', 'br', 'hr', 'link', 'img', 'input', 'col', 'wbr', 'source', 'area', 'base']);
const RAW_TEXT = new Set(['style', 'script', 'textarea', 'title']);
/** Elements written self-closing inside inline SVG. */
const SVG_EMPTY = new Set(['rect', 'line', 'path', 'circle']);

export function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#[0-9]+|amp|lt|gt|quot|apos);/gi, (_m, e: string) => {
    const lower = e.toLowerCase();
    if (lower.startsWith('#x')) return String.fromCodePoint(Number.parseInt(lower.slice(2), 16));
    if (lower.startsWith('#')) return String.fromCodePoint(Number.parseInt(lower.slice(1), 10));
    return { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }[lower] ?? '';
  });
}

function fail(msg: string, src: string, at: number): never {
  throw new Error(`${msg} at ${at}: ${JSON.stringify(src.slice(Math.max(0, at - 60), at + 60))}`);
}

/** Parses a whole document; returns the root (a pseudo element named '#document'). */
export function parseHtml(src: string): ElementNode {
  const root: ElementNode = { name: '#document', attrs: {}, children: [] };
  let current = root;
  let i = 0;
  const text = (t: string): void => {
    if (t.length) current.children.push(decodeEntities(t));
  };
  while (i < src.length) {
    const lt = src.indexOf('<', i);
    if (lt === -1) {
      text(src.slice(i));
      break;
    }
    const chunk = src.slice(i, lt);
    if (chunk.includes('>')) fail('bare ">" in text', src, i + chunk.indexOf('>'));
    text(chunk);
    i = lt;
    if (src.startsWith('<!DOCTYPE html>', i)) {
      i += '<!DOCTYPE html>'.length;
      continue;
    }
    if (src.startsWith('<!--', i)) fail('comment (the report writes none)', src, i);
    const endTag = /^<\/([a-z][a-z0-9-]*)\s*>/i.exec(src.slice(i));
    if (endTag) {
      const name = (endTag[1] ?? '').toLowerCase();
      if (current.name !== name) fail(`</${name}> closes <${current.name}>`, src, i);
      current = current.parent ?? fail('unbalanced end tag', src, i);
      i += endTag[0].length;
      continue;
    }
    const open = /^<([a-z][a-z0-9-]*)/i.exec(src.slice(i));
    if (!open) fail('"<" that starts no tag', src, i);
    const name = (open[1] ?? '').toLowerCase();
    i += open[0].length;
    const attrs: Record<string, string> = {};
    let selfClosing = false;
    for (;;) {
      const ws = /^\s*/.exec(src.slice(i));
      i += ws ? ws[0].length : 0;
      if (src.startsWith('/>', i)) {
        selfClosing = true;
        i += 2;
        break;
      }
      if (src[i] === '>') {
        i += 1;
        break;
      }
      const attr = /^([a-z_:][a-z0-9_:.-]*)(?:="([^"]*)"|='([^']*)')?/i.exec(src.slice(i));
      if (!attr || attr[0].length === 0) fail(`malformed attribute in <${name}>`, src, i);
      const key = (attr[1] ?? '').toLowerCase();
      if (key in attrs) fail(`duplicate attribute ${key}`, src, i);
      const raw = attr[2] ?? attr[3] ?? '';
      if (raw.includes('<')) fail(`"<" inside attribute ${key}`, src, i);
      attrs[key] = decodeEntities(raw);
      i += attr[0].length;
    }
    const el: ElementNode = { name, attrs, children: [], parent: current };
    current.children.push(el);
    if (VOID.has(name) || (selfClosing && SVG_EMPTY.has(name))) continue;
    if (selfClosing) fail(`self-closing <${name}/>`, src, i);
    if (RAW_TEXT.has(name)) {
      const close = src.toLowerCase().indexOf(`</${name}>`, i);
      if (close === -1) fail(`unterminated <${name}>`, src, i);
      const body = src.slice(i, close);
      if (body.includes('<')) fail(`"<" inside <${name}>`, src, i);
      el.children.push(name === 'style' ? body : decodeEntities(body));
      i = close + name.length + 3;
      continue;
    }
    current = el;
  }
  if (current !== root) throw new Error(`unclosed <${current.name}>`);
  return root;
}

export function* walk(node: ElementNode): Generator<ElementNode> {
  for (const c of node.children) {
    if (typeof c !== 'string') {
      yield c;
      yield* walk(c);
    }
  }
}

export function textOf(node: Node): string {
  return typeof node === 'string' ? node : node.children.map(textOf).join('');
}

export function hasClass(el: ElementNode, cls: string): boolean {
  return (el.attrs.class ?? '').split(/\s+/).includes(cls);
}

export function findAll(root: ElementNode, pred: (el: ElementNode) => boolean): ElementNode[] {
  return [...walk(root)].filter(pred);
}

export function findOne(root: ElementNode, pred: (el: ElementNode) => boolean): ElementNode {
  const found = findAll(root, pred);
  if (found.length !== 1) throw new Error(`expected one element, found ${found.length}`);
  return found[0] as ElementNode;
}

export const byId =
  (id: string) =>
  (el: ElementNode): boolean =>
    el.attrs.id === id;
