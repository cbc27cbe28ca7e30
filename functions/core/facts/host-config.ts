/**
 * Shared helpers of the host configuration facts (issue 8): files of a directory the agent read whole, live
 * commands, directory listings, each as a Fact with the reason when the material is missing.
 */
import type { CommandRecord, ListingRecord } from '../telemetry';
import { type Fact, type Facts, fact, noFact, type TextFile } from './facts';

/** Whether the telemetry describes a running system (the agent's root was `/`). */
export const isLiveHost = (facts: Facts): boolean => facts.telemetry.root === '/';

/** A file that may legitimately be absent: `undefined` when it does not exist, its text when it does. */
export function optionalText(facts: Facts, path: string): Fact<TextFile | undefined> {
  const rec = facts.file(path);
  if (!rec) return noFact(`${path} was not collected by the agent`);
  if (rec.status === 'missing' && rec.reason === 'not-found') return fact(undefined);
  const t = facts.text(path);
  return t.ok ? t : noFact(t.reason);
}

/**
 * The regular files of a directory the agent reads whole (its `directoryFiles`), in name order: an empty list
 * when the directory does not exist; no fact when it could not be read or was not looked at.
 */
export function directoryTexts(
  facts: Facts,
  dir: string,
  suffix?: string,
): Fact<Array<TextFile & { resolvedPath?: string }>> {
  const st = facts.pathStat(dir);
  if (!st) return noFact(`${dir} was not looked at by the agent`);
  if (st.status === 'missing') {
    if (st.reason === 'not-found') return fact([]);
    return noFact(`${dir}: ${st.reason} (${st.detail})`);
  }
  const out: Array<TextFile & { resolvedPath?: string }> = [];
  for (const [p, rec] of facts.filesUnder(dir)) {
    if (suffix && !p.endsWith(suffix)) continue;
    if (rec.status !== 'ok') {
      // A name linked to /dev/null (or another non-file) masks lower-precedence files and sets nothing.
      if (rec.reason === 'not-a-file') {
        out.push({ path: p, text: '', resolvedPath: '/dev/null' });
        continue;
      }
      // A dangling link: the reader skips it (with a warning); it sets nothing.
      if (rec.reason === 'not-found') continue;
      return noFact(`${p}: ${rec.reason} (${rec.detail})`);
    }
    const t = facts.text(p);
    if (!t.ok) return noFact(t.reason);
    out.push({ ...t.value, ...(rec.resolvedPath ? { resolvedPath: rec.resolvedPath } : {}) });
  }
  return fact(out);
}

/** "not a live host: …" from the agent's detail, which already starts so (older agents' may not). */
export function notLiveHost(detail: string): string {
  return detail.startsWith('not a live host') ? detail : `not a live host: ${detail}`;
}

/** A live-host command's output, or why there is none (not a live host, program missing, failed). */
export function commandOutput(
  facts: Facts,
  key: string,
): Fact<{ stdout: string; exitCode: number; argv: string[] }> {
  const rec: CommandRecord | undefined = facts.telemetry.commands[key];
  if (!rec) return noFact(`the agent did not run ${key}`);
  if (rec.status === 'missing') {
    if (rec.reason === 'not-live-host') return noFact(notLiveHost(rec.detail));
    return noFact(`${rec.argv.join(' ')}: ${rec.reason} (${rec.detail})`);
  }
  return fact({ stdout: rec.stdout, exitCode: rec.exitCode, argv: rec.argv });
}

export function listing(
  facts: Facts,
  dir: string,
): Fact<Extract<ListingRecord, { status: 'ok' }> | undefined> {
  const rec = facts.telemetry.listings?.[dir];
  if (!rec) return noFact(`${dir} was not listed by the agent`);
  if (rec.status === 'missing') {
    if (rec.reason === 'not-found') return fact(undefined);
    return noFact(`${dir}: ${rec.reason} (${rec.detail})`);
  }
  return fact(rec);
}
