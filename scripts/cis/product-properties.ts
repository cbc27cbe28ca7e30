/**
 * ComplianceAsCode's product properties (grub2_boot_path, pkg_manager, sshd_config_dir, pwquality_path …)
 * for one product, as its build computes them: the DEFAULT_* constants of ssg/constants.py, then
 * product_properties/*.yml (a `default:` map and `overrides:` under Jinja conditions on the product, its
 * families and major_version_ordinal), then the product's own product.yml. Only what the generator needs to
 * resolve `{{{ name }}}` in rule template variables: scalar values; a condition it cannot read counts as
 * false and is reported.
 */
import { parse } from 'yaml';

export interface ProductInfo {
  product: string;
  families: string[];
  majorVersionOrdinal: number;
  /** product.yml's scalar entries. */
  own: Record<string, string>;
}

export function productInfo(product: string, productYml: string): ProductInfo {
  const doc = (parse(productYml.replace(/\{\{[%#{][\s\S]*?[%#}]\}\}/g, '')) ?? {}) as Record<string, unknown>;
  const own: Record<string, string> = {};
  for (const [k, v] of Object.entries(doc)) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') own[k] = String(v);
  }
  // groups: { dedicated_ssh_keyowner: { name: ssh_keys } } → the rules' `groups.get("…", {}).get("name")`.
  const groups = doc.groups as Record<string, { name?: unknown }> | undefined;
  for (const [g, v] of Object.entries(groups ?? {}))
    if (typeof v?.name === 'string') own[`groups.${g}.name`] = v.name;
  return {
    product,
    families: Array.isArray(doc.families) ? doc.families.map(String) : [],
    majorVersionOrdinal: Number(doc.major_version_ordinal ?? 0),
    own,
  };
}

/** DEFAULT_NAME = 'value' lines of ssg/constants.py → { name: value }. */
export function constantDefaults(constantsPy: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of constantsPy.matchAll(/^DEFAULT_([A-Z0-9_]+)\s*=\s*['"]([^'"]*)['"]\s*$/gm))
    out[m[1]!.toLowerCase()] = m[2]!;
  // ssg/products.py names two of them differently.
  for (const [from, to] of [
    ['ssh_distributed_config', 'sshd_distributed_config'],
    ['ssh_runtime_check', 'sshd_runtime_check'],
  ] as const)
    if (out[from] !== undefined) out[to] ??= out[from]!;
  return out;
}

type Value = string | number | boolean | string[];

/** Evaluates the small condition language product_properties use. Throws on what it cannot read. */
export function evalCondition(expr: string, p: ProductInfo, names: Record<string, string> = {}): boolean {
  const tokens =
    expr.match(/"[^"]*"|'[^']*'|\d+|[A-Za-z_][A-Za-z0-9_]*|<=|>=|==|!=|<|>|\[|\]|\(|\)|,|\./g) ?? [];
  let i = 0;
  const peek = () => tokens[i];
  const next = () => tokens[i++];
  const atom = (): Value => {
    const v = primary();
    // String methods: x.startswith('a'), x.endswith('a').
    if (peek() === '.' && typeof v === 'string') {
      next();
      const method = next();
      if (next() !== '(') throw new Error(`( expected in ${expr}`);
      const arg = String(atom());
      if (next() !== ')') throw new Error(`) expected in ${expr}`);
      if (method === 'startswith') return v.startsWith(arg);
      if (method === 'endswith') return v.endsWith(arg);
      throw new Error(`unknown method ${method} in ${expr}`);
    }
    return v;
  };
  const primary = (): Value => {
    const t = next();
    if (t === undefined) throw new Error(`unexpected end in ${expr}`);
    if (t.startsWith('"') || t.startsWith("'")) return t.slice(1, -1);
    if (/^\d+$/.test(t)) return Number(t);
    if (t === '[') {
      const list: string[] = [];
      while (peek() !== ']') {
        list.push(String(atom()));
        if (peek() === ',') next();
      }
      next();
      return list;
    }
    if (t === '(') {
      const v = or();
      if (next() !== ')') throw new Error(`) expected in ${expr}`);
      return v;
    }
    if (t === 'product') return p.product;
    if (t === 'families') return p.families;
    if (t === 'major_version_ordinal') return p.majorVersionOrdinal;
    if (t === 'true' || t === 'True') return true;
    if (t === 'false' || t === 'False') return false;
    if (t in names) return names[t]!;
    throw new Error(`unknown name ${t} in ${expr}`);
  };
  const comparison = (): boolean => {
    if (peek() === 'not') {
      next();
      return !comparison();
    }
    const left = atom();
    const op = peek();
    if (op === 'not' && tokens[i + 1] === 'in') {
      i += 2;
      return !contains(atom(), left);
    }
    if (op === 'in') {
      next();
      return contains(atom(), left);
    }
    if (op && ['==', '!=', '<=', '>=', '<', '>'].includes(op)) {
      next();
      const right = atom();
      switch (op) {
        case '==':
          return left === right;
        case '!=':
          return left !== right;
        case '<=':
          return Number(left) <= Number(right);
        case '>=':
          return Number(left) >= Number(right);
        case '<':
          return Number(left) < Number(right);
        default:
          return Number(left) > Number(right);
      }
    }
    return Boolean(left);
  };
  const and = (): boolean => {
    let v = comparison();
    while (peek() === 'and') {
      next();
      const r = comparison();
      v = v && r;
    }
    return v;
  };
  const or = (): boolean => {
    let v = and();
    while (peek() === 'or') {
      next();
      const r = and();
      v = v || r;
    }
    return v;
  };
  const v = or();
  if (i !== tokens.length) throw new Error(`cannot read ${expr}`);
  return v;
}

function contains(container: Value, item: Value): boolean {
  if (Array.isArray(container)) return container.includes(String(item));
  return String(container).includes(String(item));
}

/**
 * Renders the if/elif/else/endif structure of a Jinja text for one product. `{{% set name = "literal" %}}`
 * statements on taken branches are recorded in `sets` when given; other statements are dropped. Statements
 * spanning lines are joined first.
 */
export function renderConditionals(
  source: string,
  p: ProductInfo,
  problems: string[],
  sets?: Record<string, string>,
  names: Record<string, string> = {},
): string {
  const text = source.replace(/\{\{%[\s\S]*?%\}\}/g, (stmt) => stmt.replace(/\s*\n\s*/g, ' '));
  const out: string[] = [];
  // Stack of [active, anyBranchTaken, parentActive].
  const stack: Array<[boolean, boolean, boolean]> = [];
  const active = () => (stack.length ? stack[stack.length - 1]![0] : true);
  const test = (cond: string) => {
    try {
      return evalCondition(cond, p, { ...names, ...(sets ?? {}) });
    } catch (err) {
      problems.push(`${p.product}: ${(err as Error).message}`);
      return false;
    }
  };
  for (const line of text.split('\n')) {
    const m = /^\s*\{\{%-?\s*(if|elif|else|endif)\b(.*?)-?%\}\}\s*$/.exec(line);
    if (!m) {
      if (!active()) continue;
      const set = /^\s*\{\{%-?\s*set\s+([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*-?%\}\}\s*$/.exec(line);
      if (set && sets) {
        const value = setValue(set[2]!, { ...names, ...sets });
        if (value !== undefined) sets[set[1]!] = value;
      }
      if (!/^\s*\{\{[%#]/.test(line)) out.push(line);
      continue;
    }
    const [, kw, rest] = m;
    if (kw === 'if') {
      const parent = active();
      const v = parent && test(rest!.trim());
      stack.push([v, v, parent]);
    } else if (kw === 'elif') {
      const top = stack[stack.length - 1]!;
      const v = top[2] && !top[1] && test(rest!.trim());
      top[0] = v;
      top[1] = top[1] || v;
    } else if (kw === 'else') {
      const top = stack[stack.length - 1]!;
      top[0] = top[2] && !top[1];
      top[1] = true;
    } else stack.pop();
  }
  return out.join('\n');
}

/** The value of a `set` right-hand side this generator can read: a literal, a boolean, a product group name. */
function setValue(expr: string, names: Record<string, string>): string | undefined {
  const lit = /^(?:"([^"]*)"|'([^']*)')$/.exec(expr);
  if (lit) return lit[1] ?? lit[2] ?? '';
  if (/^(true|false)$/i.test(expr)) return expr.toLowerCase() === 'true' ? 'true' : '';
  if (/^\d+$/.test(expr)) return expr;
  const group = /^groups\.get\(\s*["']([^"']+)["']\s*,\s*\{\}\s*\)\.get\(\s*["']name["']\s*\)$/.exec(expr);
  if (group) return names[`groups.${group[1]}.name`] ?? '';
  return undefined;
}

/** Every scalar property of the product. */
export function productProperties(
  p: ProductInfo,
  defaults: Record<string, string>,
  propertyFiles: string[],
  problems: string[],
): Record<string, string> {
  const out: Record<string, string> = { ...defaults, product: p.product };
  for (const text of propertyFiles) {
    const rendered = renderConditionals(text, p, problems, undefined, { ...out, ...p.own });
    const doc = (parse(rendered) ?? {}) as Record<string, unknown>;
    for (const part of [doc.default, doc.overrides]) {
      if (!part || typeof part !== 'object') continue;
      for (const [k, v] of Object.entries(part)) {
        if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = String(v);
      }
    }
  }
  const all = { ...out, ...p.own };
  // ssg/products.py derives pkg_system from pkg_manager.
  if (all.pkg_system === undefined && all.pkg_manager)
    all.pkg_system = all.pkg_manager === 'apt_get' ? 'dpkg' : 'rpm';
  return all;
}
