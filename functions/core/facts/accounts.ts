/**
 * Accounts: /etc/passwd and /etc/group (as recorded, any hash already replaced by `<redacted>` by the
 * agent) and the redacted /etc/shadow and /etc/gshadow records (password state, scheme, aging).
 */
import { type GroupEntry, type PasswdEntry, parseGroup, parsePasswd } from '../../parsers/passwd';
import type { GshadowEntry, ShadowEntry } from '../telemetry';
import { type Fact, type Facts, fact, noFact } from './facts';

export const PASSWD_PATH = '/etc/passwd';
export const GROUP_PATH = '/etc/group';

export interface ParsedAccounts<T> {
  entries: T[];
  /** NIS compat lines and lines that are not records, reported. */
  problems: string[];
}

export function passwdEntries(facts: Facts): Fact<ParsedAccounts<PasswdEntry>> {
  return facts.memo('accounts-passwd', () => {
    const t = facts.text(PASSWD_PATH);
    if (!t.ok) return noFact(t.reason);
    const p = parsePasswd(t.value.text);
    return fact({
      entries: p.entries,
      problems: [
        ...p.compat.map((c) => `${PASSWD_PATH} line ${c.line}: NIS compat entry ${c.text}`),
        ...p.errors.map((e) => `${PASSWD_PATH} line ${e.line}: ${e.message}`),
      ],
    });
  });
}

export function groupEntries(facts: Facts): Fact<ParsedAccounts<GroupEntry>> {
  return facts.memo('accounts-group', () => {
    const t = facts.text(GROUP_PATH);
    if (!t.ok) return noFact(t.reason);
    const p = parseGroup(t.value.text);
    return fact({
      entries: p.entries,
      problems: [
        ...p.compat.map((c) => `${GROUP_PATH} line ${c.line}: NIS compat entry ${c.text}`),
        ...p.errors.map((e) => `${GROUP_PATH} line ${e.line}: ${e.message}`),
      ],
    });
  });
}

export interface RedactedAccounts<T> {
  entries: T[];
  /** Lines that were not records (the agent counted them, it did not keep them). */
  malformed: number;
  stat: { mode: number; uid: number; gid: number };
}

function redacted<T extends ShadowEntry | GshadowEntry>(
  facts: Facts,
  which: 'shadow' | 'gshadow',
): Fact<RedactedAccounts<T>> {
  const acc = facts.telemetry.accounts;
  if (!acc) return noFact(`/etc/${which} was not collected (an agent before redacted account records)`);
  const rec = acc[which];
  if (rec.status === 'missing') return noFact(`/etc/${which}: ${rec.reason} (${rec.detail})`);
  if (rec.truncated) return noFact(`/etc/${which} has more entries than the agent records`);
  return fact({
    entries: rec.entries as T[],
    malformed: rec.malformed,
    stat: { mode: rec.mode, uid: rec.uid, gid: rec.gid },
  });
}

export const shadowEntries = (facts: Facts): Fact<RedactedAccounts<ShadowEntry>> =>
  facts.memo('accounts-shadow', () => redacted<ShadowEntry>(facts, 'shadow'));

export const gshadowEntries = (facts: Facts): Fact<RedactedAccounts<GshadowEntry>> =>
  facts.memo('accounts-gshadow', () => redacted<GshadowEntry>(facts, 'gshadow'));

/** A user's shadow record, undefined when the user has none. */
export function shadowOf(facts: Facts, user: string): Fact<ShadowEntry | undefined> {
  const s = shadowEntries(facts);
  if (!s.ok) return s;
  return fact(s.value.entries.find((e) => e.name === user));
}

/** Users that can log in with a password (a usable hash: not locked, not empty). */
export function usersWithPassword(facts: Facts): Fact<ShadowEntry[]> {
  const s = shadowEntries(facts);
  if (!s.ok) return s;
  return fact(s.value.entries.filter((e) => e.password.state === 'hash'));
}
