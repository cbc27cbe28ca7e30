/**
 * postfix_network_listening_disabled: Postfix listens on the loopback interface only — /etc/postfix/main.cf
 * sets inet_interfaces to the benchmark's var_postfix_inet_interfaces (loopback-only), as upstream's OVAL
 * asks. main.cf as postconf(5) reads it: `name = value`, a line starting with white space continues the
 * previous one, `#` and blank lines are ignored, and the last setting of a name wins; unset, Postfix's default is
 * `all`. The rule's platform package[postfix] makes it NOT_APPLICABLE without Postfix (platform.ts).
 */
import type { Facts } from '../../../core/facts/facts';
import { optionalText } from '../../../core/facts/host-config';
import { type CheckOutcome, error, fail, pass } from '../../../core/rule';
import type { Evaluator } from './index';

export const POSTFIX_MAIN_CF = '/etc/postfix/main.cf';

/** The last setting of each parameter in main.cf text, with its line. */
export function parsePostfixMainCf(text: string): Map<string, { value: string; line: number }> {
  const out = new Map<string, { value: string; line: number }>();
  let current: { name: string; value: string; line: number } | undefined;
  const flush = () => {
    if (current) out.set(current.name, { value: current.value.trim(), line: current.line });
    current = undefined;
  };
  text.split('\n').forEach((raw, i) => {
    // postconf(5): empty, whitespace-only and `#` lines are ignored
    if (/^\s*#/.test(raw) || raw.trim() === '') return;
    if (/^\s/.test(raw) && current) {
      current.value += ` ${raw.trim()}`;
      return;
    }
    flush();
    const m = /^([A-Za-z0-9_]+)\s*=\s*(.*)$/.exec(raw);
    if (m) current = { name: m[1]!, value: m[2]!, line: i + 1 };
  });
  flush();
  return out;
}

const postfixNetworkListeningDisabled: Evaluator = (facts: Facts, { variables }): CheckOutcome => {
  const wanted = variables.var_postfix_inet_interfaces ?? 'loopback-only';
  const t = optionalText(facts, POSTFIX_MAIN_CF);
  if (!t.ok) return error(`${POSTFIX_MAIN_CF} could not be read: ${t.reason}`);
  const fix = `Set "inet_interfaces = ${wanted}" in ${POSTFIX_MAIN_CF} and restart postfix.`;
  if (!t.value) {
    const r = fail(`${POSTFIX_MAIN_CF} does not exist: Postfix's default inet_interfaces = all applies`, [
      { source: POSTFIX_MAIN_CF, value: '(absent)', expected: `inet_interfaces = ${wanted}` },
    ]);
    r.recommendation = fix;
    return r;
  }
  const e = parsePostfixMainCf(t.value.text).get('inet_interfaces');
  const ev = [
    {
      source: POSTFIX_MAIN_CF,
      ...(e ? { line: e.line } : {}),
      key: 'inet_interfaces',
      value: e?.value ?? '(unset: default all)',
      expected: wanted,
    },
  ];
  if (e?.value === wanted) return pass(`inet_interfaces = ${e.value}`, ev);
  const r = fail(
    e
      ? `inet_interfaces = ${e.value}; expected ${wanted}`
      : `inet_interfaces is not set (Postfix's default all)`,
    ev,
  );
  r.recommendation = fix;
  return r;
};

export const POSTFIX_EVALUATORS: Readonly<Record<string, Evaluator>> = {
  'rule:postfix_network_listening_disabled': postfixNetworkListeningDisabled,
};
