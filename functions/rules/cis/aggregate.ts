/**
 * A control's result from its checks (one per ComplianceAsCode rule): any FAIL → FAIL; else any ERROR →
 * ERROR; else a check this version cannot evaluate → NOT_APPLICABLE (a control is never PASS on the
 * strength of part of its checks); all NOT_APPLICABLE → NOT_APPLICABLE; else PASS.
 */
import type { CheckResult, ResultStatus } from '../../core/model';

/** A check with whether an evaluator judged it (false: its template has no evaluator in this version). */
export interface JudgedCheck extends CheckResult {
  evaluated: boolean;
}

export interface Verdict {
  result: ResultStatus;
  message: string;
}

export function aggregateChecks(checks: readonly JudgedCheck[]): Verdict {
  const ids = (r: ResultStatus) => checks.filter((c) => c.result === r).map((c) => c.id);
  const failed = ids('FAIL');
  if (failed.length)
    return { result: 'FAIL', message: `${count(failed.length, checks.length)} failed: ${list(failed)}` };
  const errors = ids('ERROR');
  if (errors.length)
    return {
      result: 'ERROR',
      message: `${count(errors.length, checks.length)} could not be evaluated: ${list(errors)}`,
    };
  const unevaluated = checks.filter((c) => !c.evaluated);
  if (unevaluated.length) {
    const templates = [...new Set(unevaluated.map((c) => c.message))];
    return {
      result: 'NOT_APPLICABLE',
      message: `${count(unevaluated.length, checks.length)} not evaluated by this version (${templates.join('; ')})`,
    };
  }
  if (checks.length === 0 || checks.every((c) => c.result === 'NOT_APPLICABLE'))
    return {
      result: 'NOT_APPLICABLE',
      message: checks.length
        ? `every check is not applicable here: ${list(checks.map((c) => c.id))}`
        : 'no checks',
    };
  return { result: 'PASS', message: `${count(ids('PASS').length, checks.length)} passed` };
}

const count = (n: number, of: number) => (of === 1 ? 'the check' : `${n} of ${of} checks`);
const list = (xs: string[]) =>
  xs.length > 5 ? `${xs.slice(0, 5).join(', ')} and ${xs.length - 5} more` : xs.join(', ');
