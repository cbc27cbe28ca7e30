/**
 * ComplianceAsCode platforms (applicability). Upstream makes a rule notapplicable when its platform — its
 * own `platform:` and those of the groups that hold it — is false on the system: the auditing group's
 * `package[audit]`, the GRUB 2 group's `grub2`, the PAM rules' `package[pam]`… This module decides the atoms
 * it can from the collected facts: `package[name]` (the product's package for that name, from rules.json's
 * platformPackages) and `grub2` (grub2-common), on the installed-package inventory. Every other atom
 * (machine, system_with_kernel, container, mount[…], service_disabled[…], uefi…) is unknown, and an
 * expression that is not decided false leaves the rule evaluated as before: a platform never turns a check
 * into a PASS, it only makes it NOT_APPLICABLE when upstream would.
 */
import type { Facts } from '../../core/facts/facts';
import type { Evidence } from '../../core/model';
import type { CacRule } from './data';
import { installedPackages } from './evaluators/packages';

type Tri = true | false | undefined;

interface Atom {
  text: string;
  /** The package the atom tests, when it is a package atom. */
  pkg?: string;
  installed?: boolean;
}

export interface PlatformVerdict {
  /** The expression (rule's or a group's) found false. */
  platform: string;
  message: string;
  evidence: Evidence[];
}

const TOKEN = /\s*(\(|\)|[^\s()]+)/y;

function tokens(expr: string): string[] | undefined {
  const out: string[] = [];
  TOKEN.lastIndex = 0;
  let m: RegExpExecArray | null;
  let pos = 0;
  // biome-ignore lint/suspicious/noAssignInExpressions: the usual sticky-regex scan
  while ((m = TOKEN.exec(expr))) {
    out.push(m[1]!);
    pos = TOKEN.lastIndex;
  }
  return expr.slice(pos).trim() === '' ? out : undefined;
}

/**
 * Evaluates `expr` (and / or / not, parentheses) in three-valued logic; atoms decided by `atom`. Undefined
 * for unknown, and for an expression it cannot parse.
 */
export function evaluatePlatform(expr: string, atom: (a: string) => Tri): Tri {
  const t = tokens(expr);
  if (!t || t.length === 0) return undefined;
  let i = 0;
  let bad = false;
  const primary = (): Tri => {
    const tok = t[i++];
    if (tok === undefined) {
      bad = true;
      return undefined;
    }
    if (tok === 'not') {
      const v = primary();
      return v === undefined ? undefined : !v;
    }
    if (tok === '(') {
      const v = disjunction();
      if (t[i++] !== ')') bad = true;
      return v;
    }
    if (tok === ')' || tok === 'and' || tok === 'or') {
      bad = true;
      return undefined;
    }
    return atom(tok);
  };
  const conjunction = (): Tri => {
    let v = primary();
    while (t[i] === 'and') {
      i++;
      const w = primary();
      v = v === false || w === false ? false : v === true && w === true ? true : undefined;
    }
    return v;
  };
  const disjunction = (): Tri => {
    let v = conjunction();
    while (t[i] === 'or') {
      i++;
      const w = conjunction();
      v = v === true || w === true ? true : v === false && w === false ? false : undefined;
    }
    return v;
  };
  const v = disjunction();
  return bad || i !== t.length ? undefined : v;
}

/** NOT_APPLICABLE's reason when the rule's or one of its groups' platforms is false here, else undefined. */
export function platformNotApplicable(
  facts: Facts,
  meta: CacRule,
  platformPackages: Record<string, string> | undefined,
): PlatformVerdict | undefined {
  const exprs = [...(meta.groupPlatforms ?? []), ...(meta.platform ? [meta.platform] : [])];
  if (exprs.length === 0) return undefined;
  const pk = installedPackages(facts);
  if (!pk.ok) return undefined;
  for (const expr of exprs) {
    const seen: Atom[] = [];
    const v = evaluatePlatform(expr, (a) => {
      const m = /^package\[([A-Za-z0-9_.+-]+)\]$/.exec(a);
      const name = a === 'grub2' ? 'grub2' : m?.[1];
      if (name === undefined) return undefined;
      const pkg = platformPackages?.[name] ?? name;
      const installed = (pk.byName.get(pkg)?.length ?? 0) > 0;
      seen.push({ text: a, pkg, installed });
      return installed;
    });
    if (v !== false) continue;
    const decided = seen.filter((s) => s.pkg);
    const what = decided
      .map((s) => `${s.pkg} ${s.installed ? 'installed' : 'not installed'}`)
      .filter((x, k, all) => all.indexOf(x) === k)
      .join(', ');
    return {
      platform: expr,
      message: `platform ${expr}: ${what}, so upstream does not apply the rule`,
      evidence: decided
        .filter((s, k, all) => all.findIndex((x) => x.pkg === s.pkg) === k)
        .map((s) => ({
          source: pk.source,
          key: s.pkg!,
          value: s.installed ? 'installed' : '(not installed)',
          expected: `platform ${s.text}`,
        })),
    };
  }
  return undefined;
}
