/** What the three SSH rules share: sshd presence, evidence of the effective value, and the fix text. */
import {
  SSHD_CONFIG_PATH,
  type SshdEffectiveConfig,
  sshdConfiguration,
  sshdMatchValues,
  sshdValue,
} from '../../core/facts/sshd';
import type { Evidence } from '../../core/model';
import { type CheckOutcome, error, notApplicable } from '../../core/rule';

export const LINUX = ['linux'] as const;

/** The effective sshd configuration, or the outcome to return (NOT_APPLICABLE without sshd, ERROR). */
export function sshdOrOutcome(
  facts: Parameters<typeof sshdConfiguration>[0],
): { ok: true; config: SshdEffectiveConfig } | { ok: false; outcome: CheckOutcome } {
  const f = sshdConfiguration(facts);
  if (!f.ok)
    return { ok: false, outcome: error(`the sshd configuration could not be evaluated: ${f.reason}`) };
  if (!f.value.present) {
    return {
      ok: false,
      outcome: notApplicable(`sshd is not installed: ${f.value.reason}`, [
        { source: SSHD_CONFIG_PATH, note: f.value.reason },
      ]),
    };
  }
  return { ok: true, config: f.value.config };
}

export interface SshdJudgement {
  keyword: string;
  value: string;
  evidence: Evidence[];
  /** Where the deciding value is, for the recommendation. */
  where?: { source: string; line: number; text: string };
}

/** The effective global value of `keyword` with evidence, plus Match-block settings reported beside it. */
export function judgeSshd(config: SshdEffectiveConfig, keyword: string, expected: string): SshdJudgement {
  const v = sshdValue(config, keyword);
  const evidence: Evidence[] = [];
  if (v.setting) {
    evidence.push({
      source: v.setting.source,
      line: v.setting.line,
      key: keyword,
      value: v.value,
      expected,
      note: `effective global value (sshd uses the first value it reads; files read: ${config.files.join(', ')})`,
    });
  } else {
    evidence.push({
      source: config.hasConfig ? SSHD_CONFIG_PATH : 'sshd built-in default',
      key: keyword,
      value: v.value,
      expected,
      note: config.hasConfig
        ? `${keyword} is not set outside Match blocks in ${config.files.join(', ')}: sshd's built-in default applies`
        : `${SSHD_CONFIG_PATH} does not exist: sshd's built-in defaults apply`,
    });
  }
  for (const m of sshdMatchValues(config, keyword)) {
    evidence.push({
      source: m.source,
      line: m.line,
      key: keyword,
      value: m.value,
      expected,
      note: `inside "Match ${m.match}": applies only to connections that match, not to the global value`,
    });
  }
  for (const p of config.problems) evidence.push({ source: 'sshd configuration', note: p });
  return {
    keyword,
    value: v.value,
    evidence,
    ...(v.setting ? { where: { source: v.setting.source, line: v.setting.line, text: v.setting.text } } : {}),
  };
}

/** Exact instruction: change the deciding line, or add the setting where sshd reads it first. */
export function sshdFix(j: SshdJudgement, wanted: string): string {
  const reload =
    'then check it with `sshd -t` and reload sshd (`systemctl reload ssh` on Debian/Ubuntu, `systemctl reload sshd` elsewhere).';
  if (j.where) {
    return `Change line ${j.where.line} of ${j.where.source} from "${j.where.text}" to "${wanted}" (sshd keeps the first value it reads, so this line decides), ${reload}`;
  }
  return `Add the line "${wanted}" to ${SSHD_CONFIG_PATH} above any Match block (it is not set anywhere, so sshd's built-in default applies), ${reload}`;
}
