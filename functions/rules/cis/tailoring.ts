/**
 * A run's CIS profile and tailoring (controls to skip, ComplianceAsCode variable overrides), checked before
 * anything is collected: `inspector assess --cis-profile/--cis-skip/--cis-variable` and templates take the
 * same shape (CisContext) and get the same one-line errors. It reads no benchmark data (the control plane
 * validates templates with it): variable names come from the generated variable-names.ts.
 */
import { CIS_PROFILES, type CisContext, type CisProfile } from '../../core/rule';
import { BENCHMARK_IDS } from './benchmark-ids';
import { CIS_VARIABLE_NAMES } from './variable-names';

export class CisTailoringError extends Error {
  override readonly name = 'CisTailoringError';
}

const SECTION = /^\d+(\.\d+)*$/;
const CONTROL_ID = /^cis\.([a-z0-9]+)\.(\d+(?:\.\d+)*)$/;
const MAX_SKIP = 1000;
const MAX_VARIABLES = 200;
const MAX_VALUE_CHARS = 1024;
const VARIABLES = new Set(CIS_VARIABLE_NAMES);

/** Validates and normalizes a profile, skip list and variable overrides (unknown variables refused). */
export function checkCisTailoring(input: {
  profile?: string;
  skip?: readonly string[];
  variables?: Readonly<Record<string, string>>;
}): CisContext {
  const profile = input.profile ?? 'level1-server';
  if (!(CIS_PROFILES as readonly string[]).includes(profile))
    throw new CisTailoringError(
      `CIS profile must be one of ${CIS_PROFILES.join(', ')}, got ${JSON.stringify(profile)}`,
    );
  const out: CisContext = { profile: profile as CisProfile };
  const skip = [...new Set(input.skip ?? [])];
  if (skip.length > MAX_SKIP) throw new CisTailoringError(`at most ${MAX_SKIP} controls may be skipped`);
  for (const s of skip) {
    const m = CONTROL_ID.exec(s);
    if (m) {
      if (!(BENCHMARK_IDS as readonly string[]).includes(m[1]!))
        throw new CisTailoringError(
          `control ${s} names an unknown benchmark; known: ${BENCHMARK_IDS.join(', ')}`,
        );
    } else if (!SECTION.test(s)) {
      throw new CisTailoringError(
        `a skipped control is a section (1.1.1.1) or a control id (cis.ubuntu2204.1.1.1.1), got ${JSON.stringify(s)}`,
      );
    }
  }
  if (skip.length > 0) out.skip = skip.sort();
  const entries = Object.entries(input.variables ?? {});
  if (entries.length > MAX_VARIABLES)
    throw new CisTailoringError(`at most ${MAX_VARIABLES} variables may be overridden`);
  for (const [name, value] of entries) {
    if (!VARIABLES.has(name))
      throw new CisTailoringError(
        `unknown ComplianceAsCode variable ${JSON.stringify(name)} (the benchmarks use ${CIS_VARIABLE_NAMES.length}, e.g. ${CIS_VARIABLE_NAMES.slice(0, 3).join(', ')})`,
      );
    if (typeof value !== 'string' || value.length > MAX_VALUE_CHARS)
      throw new CisTailoringError(`variable ${name} takes a string of at most ${MAX_VALUE_CHARS} characters`);
  }
  if (entries.length > 0)
    out.variables = Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return out;
}

/** `NAME=VALUE` (repeatable command-line form) → variables. */
export function parseCisVariables(texts: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of texts) {
    const i = t.indexOf('=');
    if (i <= 0) throw new CisTailoringError(`--cis-variable takes NAME=VALUE, got ${JSON.stringify(t)}`);
    out[t.slice(0, i)] = t.slice(i + 1);
  }
  return out;
}
