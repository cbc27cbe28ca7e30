/**
 * Regenerates the `cis` rules package's data (functions/rules/cis/benchmarks/*.json and rules.json) from
 * ComplianceAsCode's content repository (https://github.com/ComplianceAsCode/content, BSD-3-Clause).
 *
 *   npm run cis:generate -- --git /path/to/content.git [--commit SHA] [--rhel7-commit SHA]
 *   npm run cis:generate -- --checkout /path/to/content --rhel7-control /path/to/cis_rhel7.yml
 *
 * What is taken: each CIS control's section id, levels (server profiles only), status, the ids of the
 * ComplianceAsCode rules that decide it and the variable values it selects; for each rule: its own title
 * (ComplianceAsCode's text, BSD-3-Clause), severity, template name and variables (resolved per product
 * where the rule uses product-specific keys) and its platform when simple. What is NOT taken: the control
 * titles and notes of the control files (they quote the CIS benchmark, whose text is CC BY-NC-SA).
 *
 * Amazon Linux 2 has no upstream mapping: it is derived from the RHEL 7 control file (cis_rhel7.yml, removed
 * upstream with the RHEL 7 product; read from the last commit that has it), rule metadata from the main
 * commit, minus rules that do not apply to Amazon Linux 2 (AL2_DROPPED below). Sections keep RHEL 7's
 * numbering.
 *
 * Output is deterministic (sorted keys where order carries no meaning, upstream order for controls) and
 * formatted by biome, as the repository checks it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import {
  constantDefaults,
  type ProductInfo,
  productInfo,
  productProperties,
  renderConditionals,
} from './product-properties';

const REPOSITORY = 'https://github.com/ComplianceAsCode/content';
const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../..');
const OUT = join(ROOT, 'functions/rules/cis');

interface BenchmarkSpec {
  id: string;
  product: string;
  productName: string;
  controlFile: string;
  /** Product keys tried for `key@product` rule variables, in order. */
  productKeys: string[];
  /** Derived from another benchmark's control file (AL2 from RHEL 7). */
  derived?: boolean;
}

const BENCHMARKS: BenchmarkSpec[] = [
  spec('al2', 'Amazon Linux 2', 'controls/cis_rhel7.yml', ['al2', 'rhel7'], true),
  spec('al2023', 'Amazon Linux 2023', 'controls/cis_al2023.yml'),
  spec('almalinux9', 'AlmaLinux OS 9', 'controls/cis_almalinux9.yml'),
  spec('debian12', 'Debian 12', 'controls/cis_debian12.yml'),
  spec('rhel8', 'Red Hat Enterprise Linux 8', 'products/rhel8/controls/cis_rhel8.yml'),
  spec('rhel9', 'Red Hat Enterprise Linux 9', 'products/rhel9/controls/cis_rhel9.yml'),
  spec('ubuntu2204', 'Ubuntu 22.04 LTS', 'controls/cis_ubuntu2204.yml'),
  spec('ubuntu2404', 'Ubuntu 24.04 LTS', 'controls/cis_ubuntu2404.yml'),
];

function spec(
  id: string,
  productName: string,
  controlFile: string,
  productKeys: string[] = [id],
  derived = false,
): BenchmarkSpec {
  return { id, product: id, productName, controlFile, productKeys, ...(derived ? { derived } : {}) };
}

/**
 * Rules of the RHEL 7 mapping that do not apply to Amazon Linux 2 (Red Hat subscription and signing keys,
 * RHEL-only tooling), by id pattern. Dropped from the derived al2 benchmark and listed in its data.
 */
const AL2_DROPPED = [/redhat/, /rhsm/, /subscription/, /rhnsd/, /^package_rhn/, /insights/, /rhel/];

/** Product properties that differ on Amazon Linux 2 from RHEL 7's (its EFI directory is named amzn). */
const AL2_PROPERTIES: Record<string, string> = {
  grub2_uefi_boot_path: '/boot/efi/EFI/amzn',
  // Not in RHEL 7's product.yml (systemd 219 reads journald.conf.d drop-ins too).
  journald_conf_dir_path: '/etc/systemd/journald.conf.d',
};

const LEVELS = { l1_server: 'level_1_server', l2_server: 'level_2_server' } as const;
/** Upstream statuses (controls.md of ComplianceAsCode); an absent status is upstream's default, pending. */
const STATUSES = [
  'automated',
  'partial',
  'manual',
  'supported',
  'pending',
  'planned',
  'not applicable',
  'inherently met',
  'does not meet',
];

// ---------------------------------------------------------------------------------------------- sources

interface Source {
  /** Reads files at a commit (or in the checkout); undefined for a missing file. */
  read(paths: string[], commit?: string): Map<string, string>;
  /** Every path in the tree. */
  list(): string[];
  commit: string;
}

function gitSource(gitDir: string, commit: string): Source {
  const git = (...args: string[]) =>
    execFileSync('git', ['-C', gitDir, ...args], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const sha = git('rev-parse', `${commit}^{commit}`).trim();
  return {
    commit: sha,
    list: () => git('ls-tree', '-r', '--name-only', sha).split('\n').filter(Boolean),
    read(paths, at = sha) {
      const out = new Map<string, string>();
      if (paths.length === 0) return out;
      const r = spawnSync('git', ['-C', gitDir, 'cat-file', '--batch'], {
        input: paths.map((p) => `${at}:${p}\n`).join(''),
        maxBuffer: 1 << 30,
      });
      if (r.status !== 0) throw new Error(`git cat-file failed: ${r.stderr.toString()}`);
      const buf = r.stdout;
      let pos = 0;
      for (const p of paths) {
        const nl = buf.indexOf(10, pos);
        const header = buf.subarray(pos, nl).toString();
        pos = nl + 1;
        if (header.endsWith(' missing')) continue;
        const size = Number(header.split(' ')[2]);
        out.set(p, buf.subarray(pos, pos + size).toString('utf8'));
        pos += size + 1;
      }
      return out;
    },
  };
}

function checkoutSource(dir: string, rhel7Control: string | undefined): Source {
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['-C', dir, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    // not a git checkout: the commit stays unknown
  }
  return {
    commit,
    list: () =>
      execFileSync('find', ['.', '-type', 'f', '-name', '*.yml', '-o', '-type', 'f', '-name', '*.var'], {
        cwd: dir,
        encoding: 'utf8',
        maxBuffer: 1 << 30,
      })
        .split('\n')
        .filter(Boolean)
        .map((p) => p.replace(/^\.\//, '')),
    read(paths) {
      const out = new Map<string, string>();
      for (const p of paths) {
        const f = p === 'controls/cis_rhel7.yml' && rhel7Control ? rhel7Control : join(dir, p);
        if (existsSync(f)) out.set(p, readFileSync(f, 'utf8'));
      }
      return out;
    },
  };
}

// ------------------------------------------------------------------------------------------ parsing

interface UpstreamControl {
  id: string | number;
  levels?: string[];
  status?: string;
  rules?: string[];
}

interface RuleMeta {
  title: string;
  severity: string;
  template?: {
    name: string;
    /** The variables as most benchmarks resolve them (lists as JSON text, e.g. "[\"/etc/ssh/\"]"). */
    vars?: Record<string, string>;
    /** Benchmark id → the variables resolved for its product, where they differ from `vars`. */
    benchmarks?: Record<string, Record<string, string>>;
    /** Benchmark id → the template's name for its product, where the rule picks another template. */
    benchmarkNames?: Record<string, string>;
    /** The template block holds Jinja conditionals: its variables were read without them (may be inexact). */
    conditional?: true;
  };
  platform?: string;
  /** The platforms of the groups that hold the rule (outermost first), when simple. */
  groupPlatforms?: string[];
}

interface RawRule {
  title: string;
  severity: string;
  platform?: string;
  template?: { name: string; plain: Record<string, string>; byKey: Record<string, Record<string, string>> };
  conditional: boolean;
  /** The rule.yml text, rendered per product when it holds Jinja. */
  text: string;
}

interface ProductContext {
  spec: BenchmarkSpec;
  info: ProductInfo;
  props: Record<string, string>;
}

const parseFailures: string[] = [];

/** Only the top-level blocks we need, with whole-line Jinja statements and macros removed. */
function ruleBlocks(text: string, keys: string[]): { doc: Record<string, unknown>; jinja: Set<string> } {
  const blocks = new Map<string, string[]>();
  let current: string | undefined;
  const jinja = new Set<string>();
  // Jinja statements and comments (some span lines) are removed; the blocks that held one are noted.
  const marked = text.replace(/\{\{%[\s\S]*?%\}\}|\{\{#[\s\S]*?#\}\}/g, '{{% %}}');
  for (const line of marked.split('\n')) {
    const m = /^([A-Za-z_]+):/.exec(line);
    if (m) current = keys.includes(m[1]!) ? m[1]! : undefined;
    if (current) {
      const list = blocks.get(current) ?? [];
      list.push(line);
      blocks.set(current, list);
    }
  }
  const kept: string[] = [];
  for (const [k, lines] of blocks) {
    for (const l of lines) {
      const t = l.trim();
      if (t.startsWith('{{%') || t.startsWith('{{{') || t.startsWith('{{#')) {
        jinja.add(k);
        continue;
      }
      kept.push(l);
    }
  }
  // Inline macros ({{{ name }}}) would read as YAML flow mappings: kept as text between ⟦ ⟧ (see scalar).
  const src = kept
    .join('\n')
    .replace(/\{\{% %\}\}/g, '')
    .replace(/\{\{\{/g, '⟦')
    .replace(/\}\}\}/g, '⟧');
  try {
    const doc = parse(src, { uniqueKeys: false, strict: false }) as Record<string, unknown> | null;
    return { doc: doc ?? {}, jinja };
  } catch (err) {
    // Last resort: one-line scalars only.
    const doc: Record<string, unknown> = {};
    for (const k of keys) {
      const m = new RegExp(`^${k}:\\s*['"]?(.*?)['"]?\\s*$`, 'm').exec(src);
      if (m?.[1]) doc[k] = m[1];
    }
    parseFailures.push((err as Error).message.split('\n')[0] ?? '');
    return { doc, jinja };
  }
}

function scalar(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
  return s.replace(/⟦/g, '{{{').replace(/⟧/g, '}}}');
}

function parseRule(text: string): RawRule {
  const { doc, jinja } = ruleBlocks(text, ['title', 'severity', 'template', 'platform']);
  const raw: RawRule = {
    title: scalar(doc.title).replace(/\s+/g, ' ').trim(),
    severity: scalar(doc.severity) || 'unknown',
    conditional: jinja.has('template'),
    text,
  };
  const platform = doc.platform;
  if (typeof platform === 'string' && !platform.includes('{{')) raw.platform = platform;
  const t = templateOf(doc);
  if (t) raw.template = t;
  return raw;
}

function templateOf(doc: Record<string, unknown>): RawRule['template'] {
  const t = doc.template as { name?: unknown; vars?: Record<string, unknown> } | undefined;
  if (!t || typeof t.name !== 'string') return undefined;
  const plain: Record<string, string> = {};
  const byKey: Record<string, Record<string, string>> = {};
  for (const [k, v] of Object.entries(t.vars ?? {})) {
    const at = k.indexOf('@');
    if (at < 0) plain[k] = scalar(v);
    else {
      const product = k.slice(at + 1);
      byKey[product] ??= {};
      byKey[product][k.slice(0, at)] = scalar(v);
    }
  }
  return { name: t.name, plain: sortObject(plain), byKey };
}

/**
 * The rule for one product: its Jinja conditions evaluated (product, families, version), its literal
 * `set`s and the product's properties substituted into the template variables and the title.
 */
function renderRule(
  raw: RawRule,
  ctx: ProductContext,
  problems: string[],
): { title: string; template?: RawRule['template'] } {
  const sets: Record<string, string> = {};
  const rendered = /\{\{[%{]/.test(raw.text)
    ? renderConditionals(raw.text, ctx.info, problems, sets, ctx.props)
    : raw.text;
  const values = { ...ctx.props, ...sets };
  // Macros are substituted before YAML reads the text: some sit inside quoted values with quotes of their own.
  const { doc } = ruleBlocks(substitute(rendered, values), ['title', 'template']);
  const t = templateOf(doc);
  const title = substitute(scalar(doc.title).replace(/\s+/g, ' ').trim(), values);
  if (!t) return { title };
  let vars: Record<string, string> = { ...t.plain };
  for (const k of [...ctx.spec.productKeys].reverse()) vars = { ...vars, ...(t.byKey[k] ?? {}) };
  for (const k of Object.keys(vars)) vars[k] = substitute(vars[k]!, values);
  return { title, template: { ...t, plain: sortObject(vars) } };
}

const MACRO = /\{\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}\}/g;

/** `{{{ a if a else 'b' }}}`: the one conditional expression rule variables use. */
const MACRO_IF = /\{\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s+if\s+\1\s+else\s+(?:'([^']*)'|"([^"]*)")\s*\}\}\}/g;

/** `{{{ name }}}` replaced by the product's property; unknown names left as they are. */
function substitute(text: string, props: Record<string, string>): string {
  return text
    .replace(MACRO_IF, (whole, name: string, a?: string, b?: string) =>
      name in props ? props[name] || (a ?? b ?? '') : whole,
    )
    .replace(MACRO, (whole, name: string) => props[name] ?? whole);
}

function resolveRule(raw: RawRule, products: ProductContext[], problems: string[]): RuleMeta {
  const per = products.map((ctx) => ({ ctx, ...renderRule(raw, ctx, problems) }));
  // A title naming a product property or a rule-local value reads the same for every product when they
  // agree, else keeps <name>.
  const titles = new Set(per.map((p) => p.title));
  const [only] = titles;
  const title =
    titles.size === 1 && only !== undefined && !only.includes('{{{')
      ? only
      : raw.title.replace(MACRO, (_w, name: string) => `<${name}>`);
  const meta: RuleMeta = { title, severity: raw.severity };
  if (raw.platform) meta.platform = raw.platform;
  // `vars`: what most benchmarks resolve the variables to (upstream's generic reading on a tie or when no
  // product reads them); `benchmarks`: the benchmarks that differ.
  const base = raw.template ?? per.find((p) => p.template)?.template;
  if (base) {
    const tally = new Map<string, number>();
    for (const { template } of per) {
      if (!template) continue;
      const k = JSON.stringify(template.plain);
      tally.set(k, (tally.get(k) ?? 0) + 1);
    }
    const generic = JSON.stringify(base.plain);
    let common = generic;
    let best = tally.get(generic) ?? 0;
    for (const [k, n] of [...tally].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      if (n > best) [common, best] = [k, n];
    const vars = JSON.parse(common) as Record<string, string>;
    const nameTally = new Map<string, number>();
    for (const { template } of per)
      if (template) nameTally.set(template.name, (nameTally.get(template.name) ?? 0) + 1);
    let name = base.name;
    for (const [n, c] of [...nameTally].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      if (c > (nameTally.get(name) ?? 0)) name = n;
    meta.template = { name, ...(Object.keys(vars).length ? { vars } : {}) };
    const byBenchmark: Record<string, Record<string, string>> = {};
    const names: Record<string, string> = {};
    for (const { ctx, template } of per) {
      if (template && template.name !== name) names[ctx.spec.id] = template.name;
      if (template && JSON.stringify(template.plain) !== common) byBenchmark[ctx.spec.id] = template.plain;
    }
    if (Object.keys(byBenchmark).length) meta.template.benchmarks = sortObject(byBenchmark);
    if (Object.keys(names).length) meta.template.benchmarkNames = sortObject(names);
    if (raw.conditional) meta.template.conditional = true;
  }
  return meta;
}

interface VarMeta {
  type: string;
  default?: string;
  options: Record<string, string>;
}

function parseVar(text: string): VarMeta {
  const { doc } = ruleBlocks(text, ['type', 'options']);
  const options: Record<string, string> = {};
  for (const [k, v] of Object.entries((doc.options as Record<string, unknown>) ?? {})) options[k] = scalar(v);
  return {
    type: scalar(doc.type) || 'string',
    ...(options.default !== undefined ? { default: options.default } : {}),
    options,
  };
}

function sortObject<T>(o: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

// ------------------------------------------------------------------------------------------ generation

interface Control {
  section: string;
  levels: string[];
  status: string;
  rules: string[];
  variables?: Record<string, string>;
  droppedRules?: string[];
}

function main(argv: string[]): void {
  const arg = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const gitDir = arg('git');
  const checkout = arg('checkout');
  if (!gitDir && !checkout) {
    console.error(
      'usage: generate.ts --git DIR [--commit SHA] [--rhel7-commit SHA] | --checkout DIR --rhel7-control FILE',
    );
    process.exit(2);
  }
  const source = gitDir
    ? gitSource(gitDir, arg('commit') ?? 'HEAD')
    : checkoutSource(checkout!, arg('rhel7-control'));
  // RHEL 7 files were removed upstream (the product in 2024-06, its CIS control file soon after): read them
  // from the last commit that has them.
  const lastCommitWith = (path: string): string => {
    if (!gitDir) return source.commit;
    const last = execFileSync('git', ['-C', gitDir, 'log', '-1', '--format=%H', source.commit, '--', path], {
      encoding: 'utf8',
    }).trim();
    if (!last) throw new Error(`${path} was never in ${gitDir}`);
    if (source.read([path], last).size > 0) return last;
    return execFileSync('git', ['-C', gitDir, 'rev-parse', `${last}^`], { encoding: 'utf8' }).trim();
  };
  const rhel7Commit = arg('rhel7-commit') ?? lastCommitWith('controls/cis_rhel7.yml');
  const rhel7ProductCommit = lastCommitWith('products/rhel7/product.yml');

  const tree = source.list();
  const ruleFile = new Map<string, string>();
  const varFile = new Map<string, string>();
  for (const p of tree) {
    if (p.startsWith('tests/') || p.startsWith('build')) continue;
    let m = /\/([^/]+)\/rule\.yml$/.exec(p);
    if (m) ruleFile.set(m[1]!, p);
    m = /\/([^/]+)\.var$/.exec(p);
    if (m) varFile.set(m[1]!, p);
  }

  const usedRules = new Set<string>();
  const usedVars = new Set<string>();
  const benchmarks: Array<{ spec: BenchmarkSpec; doc: Record<string, unknown>; controls: Control[] }> = [];
  const skipped: string[] = [];

  for (const b of BENCHMARKS) {
    const at = b.derived ? rhel7Commit : source.commit;
    const text = source.read([b.controlFile], at).get(b.controlFile);
    if (text === undefined) {
      skipped.push(`${b.id}: ${b.controlFile} not found at ${at}`);
      continue;
    }
    const doc = parse(text) as Record<string, unknown>;
    const controls: Control[] = [];
    for (const c of (doc.controls as UpstreamControl[]) ?? []) {
      const section = String(c.id);
      if (!/^\d+(\.\d+)*$/.test(section)) continue; // helper entries (reload_dconf_db …), not CIS sections
      const up = new Set(c.levels ?? []);
      const levels: string[] = [];
      if (up.has('l1_server')) levels.push(LEVELS.l1_server, LEVELS.l2_server);
      else if (up.has('l2_server')) levels.push(LEVELS.l2_server);
      if (levels.length === 0) continue; // workstation-only
      let status = c.status ?? 'pending';
      if (!STATUSES.includes(status)) throw new Error(`${b.id} ${section}: unknown status ${status}`);
      const rules: string[] = [];
      const variables: Record<string, string> = {};
      const dropped: string[] = [];
      for (const r of c.rules ?? []) {
        const eq = r.indexOf('=');
        if (eq >= 0) {
          variables[r.slice(0, eq)] = r.slice(eq + 1);
          continue;
        }
        if (!ruleFile.has(r)) dropped.push(`${r} (no rule.yml at ${source.commit.slice(0, 12)})`);
        else if (b.derived && AL2_DROPPED.some((re) => re.test(r)))
          dropped.push(`${r} (does not apply to AL2)`);
        else rules.push(r);
      }
      if (b.derived && dropped.length && rules.length === 0 && status === 'automated') status = 'manual';
      for (const r of rules) usedRules.add(r);
      for (const v of Object.keys(variables)) usedVars.add(v);
      const control: Control = { section, levels, status, rules };
      if (Object.keys(variables).length) control.variables = sortObject(variables);
      if (dropped.length) control.droppedRules = dropped.sort();
      controls.push(control);
    }
    benchmarks.push({ spec: b, doc, controls });
  }

  // Rule and variable metadata, from the main commit.
  const ruleTexts = source.read([...usedRules].sort().map((r) => ruleFile.get(r)!));
  // Product properties, to resolve {{{ name }}} in template variables.
  const problems: string[] = [];
  const constants = source.read(['ssg/constants.py']).get('ssg/constants.py') ?? '';
  const propertyPaths = tree.filter((p) => /^product_properties\/[^/]+\.yml$/.test(p)).sort();
  const propertyTexts = source.read(propertyPaths);
  const withProps = benchmarks.map(({ spec: b }) => {
    const product = b.derived ? 'rhel7' : b.product;
    const yml = `products/${product}/product.yml`;
    const text = source.read([yml], b.derived ? rhel7ProductCommit : source.commit).get(yml);
    if (text === undefined) throw new Error(`${yml} not found`);
    const props = productProperties(
      productInfo(product, text),
      constantDefaults(constants),
      propertyPaths.map((p) => propertyTexts.get(p) ?? ''),
      problems,
    );
    return {
      spec: b,
      info: productInfo(product, text),
      props: b.derived ? { ...props, ...AL2_PROPERTIES } : props,
    };
  });
  const rules: Record<string, RuleMeta> = {};
  let unresolved = 0;
  for (const r of [...usedRules].sort()) {
    const t = ruleTexts.get(ruleFile.get(r)!);
    if (t === undefined) throw new Error(`rule ${r}: ${ruleFile.get(r)} unreadable`);
    const meta = resolveRule(parseRule(t), withProps, problems);
    rules[r] = meta;
    if (JSON.stringify(meta.template?.benchmarks ?? {}).includes('{{{')) unresolved++;
  }

  // Group-level platforms: upstream applies a group's `platform:` to every rule under it (ssg/build_yaml.py
  // inherits it into the rule's platforms), e.g. the auditing group's package[audit].
  const groupFiles = new Map<string, string>();
  for (const p of tree)
    if (p.startsWith('linux_os/') && p.endsWith('/group.yml')) groupFiles.set(dirname(p), p);
  const groupTexts = source.read([...groupFiles.values()].sort());
  const groupPlatform = new Map<string, string>();
  for (const [dir, p] of groupFiles) {
    const m = /^platform:\s*(.+?)\s*$/m.exec(groupTexts.get(p) ?? '');
    if (m && !m[1]!.includes('{{')) groupPlatform.set(dir, m[1]!.replace(/^(['"])(.*)\1$/, '$2'));
  }
  for (const r of Object.keys(rules)) {
    const found: string[] = [];
    for (let dir = dirname(dirname(ruleFile.get(r)!)); dir !== '.' && dir !== ''; dir = dirname(dir)) {
      const gp = groupPlatform.get(dir);
      if (gp) found.unshift(gp);
    }
    if (found.length) rules[r]!.groupPlatforms = found;
  }
  // The package each package[name] platform tests, per benchmark: shared/applicability/package.yml's
  // pkgname rendered for the product, else the product's platform_package_overrides, else the name; `grub2`
  // is grub2-common (shared/applicability/oval/installed_env_has_grub2_package.xml, rpm and dpkg alike).
  const platformNames = new Set<string>();
  for (const m of Object.values(rules))
    for (const expr of [m.platform, ...(m.groupPlatforms ?? [])])
      for (const a of (expr ?? '').matchAll(/package\[([A-Za-z0-9_.+-]+)\]/g)) platformNames.add(a[1]!);
  const packageYml = source
    .read(['shared/applicability/package.yml'])
    .get('shared/applicability/package.yml');
  if (packageYml === undefined) throw new Error('shared/applicability/package.yml not found');
  const platformPackages: Record<string, Record<string, string>> = {};
  for (const { spec: b, info, props } of withProps) {
    const product = b.derived ? 'rhel7' : b.product;
    const yml = `products/${product}/product.yml`;
    const productDoc = parse(
      source.read([yml], b.derived ? rhel7ProductCommit : source.commit).get(yml) ?? '',
    ) as Record<string, unknown>;
    const overrides = (productDoc.platform_package_overrides ?? {}) as Record<string, string>;
    const args = ((
      parse(renderConditionals(packageYml, info, problems, undefined, props)) as Record<string, unknown>
    ).args ?? {}) as Record<string, { pkgname?: string } | null>;
    const names: Record<string, string> = { grub2: 'grub2-common' };
    for (const n of [...platformNames].sort()) names[n] = args[n]?.pkgname ?? overrides[n] ?? n;
    platformPackages[b.id] = sortObject(names);
  }

  const varTexts = source.read([...usedVars].filter((v) => varFile.has(v)).map((v) => varFile.get(v)!));
  const vars = new Map<string, VarMeta>();
  for (const v of usedVars) {
    const p = varFile.get(v);
    const t = p ? varTexts.get(p) : undefined;
    if (t !== undefined) vars.set(v, parseVar(t));
  }
  const resolveVar = (name: string, selector: string): string => {
    const meta = vars.get(name);
    return meta?.options[selector] ?? selector;
  };

  mkdirSync(join(OUT, 'benchmarks'), { recursive: true });
  const written: string[] = [];
  const counts: string[] = [];
  for (const { spec: b, doc, controls } of benchmarks) {
    const all: Record<string, string> = {};
    for (const c of controls) {
      if (!c.variables) continue;
      for (const [k, sel] of Object.entries(c.variables)) {
        const v = resolveVar(k, sel);
        c.variables[k] = v;
        all[k] = v;
      }
    }
    const out = {
      id: b.id,
      product: b.productName,
      benchmarkVersion: b.derived ? null : String(doc.version),
      ...(b.derived
        ? {
            derivedFrom: {
              benchmark: 'CIS Red Hat Enterprise Linux 7',
              benchmarkVersion: String(doc.version),
              note: 'No upstream mapping exists for Amazon Linux 2: sections and checks are those of the RHEL 7 mapping (RHEL 7 numbering), without the checks that do not apply to Amazon Linux 2 (droppedRules).',
            },
          }
        : {}),
      upstream: {
        repository: REPOSITORY,
        commit: b.derived ? rhel7Commit : source.commit,
        controlFile: b.controlFile,
        ...(b.derived ? { rulesCommit: source.commit, productCommit: rhel7ProductCommit } : {}),
      },
      productKeys: b.productKeys,
      variables: sortObject(all),
      controls,
    };
    const file = join(OUT, 'benchmarks', `${b.id}.json`);
    writeFileSync(file, `${JSON.stringify(out)}\n`);
    written.push(file);
    const ruleIds = new Set(controls.flatMap((c) => c.rules));
    counts.push(
      `${b.id}: ${controls.length} controls, ${controls.filter((c) => c.status === 'automated').length} automated, ${ruleIds.size} rules`,
    );
  }
  const rulesOut = {
    upstream: { repository: REPOSITORY, commit: source.commit },
    variables: sortObject(
      Object.fromEntries(
        [...vars].map(([k, v]) => [
          k,
          { type: v.type, ...(v.default !== undefined ? { default: v.default } : {}) },
        ]),
      ),
    ),
    platformPackages: sortObject(platformPackages),
    rules,
  };
  const rulesFile = join(OUT, 'rules.json');
  writeFileSync(rulesFile, `${JSON.stringify(rulesOut)}\n`);
  written.push(rulesFile);
  execFileSync('npx', ['biome', 'format', '--write', ...written], { cwd: ROOT, stdio: 'inherit' });
  for (const c of counts) console.log(c);
  console.log(`rules.json: ${Object.keys(rules).length} rules, ${vars.size} variables`);
  for (const s of skipped) console.warn(`skipped ${s}`);
  if (unresolved)
    console.warn(`${unresolved} rules keep a {{{ macro }}} in their variables (set by the rule itself)`);
  for (const p of [...new Set(problems)]) console.warn(`product properties: ${p}`);
  if (parseFailures.length) console.warn(`${parseFailures.length} rule files read with the fallback parser`);
}

main(process.argv.slice(2));
