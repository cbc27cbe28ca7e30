/**
 * Helpers shared by the generic template evaluators: template variables that hold a list, XCCDF variables
 * (benchmark selection, run override, upstream default), the `*_guard_var` condition and the live-host
 * wording every runtime-only check uses.
 */
import type { Facts } from '../../../core/facts/facts';
import { isLiveHost } from '../../../core/facts/host-config';
import { CAC_RULES } from '../data';
import type { EvaluatorInput } from './index';

/** A template variable that is either one value or a JSON list (`["/etc/audit/","/etc/audit/rules.d/"]`). */
export function listVar(value: string | undefined): string[] {
  if (value === undefined || value === '') return [];
  if (value.startsWith('[')) {
    const parsed: unknown = JSON.parse(value);
    if (!Array.isArray(parsed)) throw new Error(`template variable ${value} is not a list`);
    return parsed.map(String);
  }
  return [value];
}

/** An XCCDF variable's value: the run's override or the benchmark's selection, else upstream's default. */
export function xccdfVariable(input: EvaluatorInput, name: string): string | undefined {
  return input.variables[name] ?? CAC_RULES.variables[name]?.default;
}

export interface Guard {
  /** True when the benchmark's variable selects this rule's subject (e.g. var_timesync_service = chronyd). */
  selected: boolean;
  variable: string;
  actual: string | undefined;
  wanted: string;
}

/** The `variable`/`value`/`operation` guard of a *_guard_var template. */
export function guard(input: EvaluatorInput): Guard {
  const variable = input.vars.variable;
  const wanted = input.vars.value;
  if (!variable || wanted === undefined)
    throw new Error(`${input.ruleId}: the guard template has no variable/value`);
  const actual = xccdfVariable(input, variable);
  const selected =
    actual !== undefined &&
    (input.vars.operation === 'pattern match' ? new RegExp(wanted).test(actual) : actual === wanted);
  return { selected, variable, actual, wanted };
}

export const notLive = (facts: Facts): boolean => !isLiveHost(facts);

/** Octal text of a mode's permission bits (07777). */
export const octal = (mode: number): string => `0${(mode & 0o7777).toString(8).padStart(3, '0')}`;
