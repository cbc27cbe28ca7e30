/**
 * Facts: a validated telemetry document with memoized, typed views over it. Rules read facts, never raw
 * telemetry shapes; derivations (e.g. sshd's effective configuration) live beside this file, one per
 * subject, and call the pure parsers in functions/parsers.
 */
import { fileText } from '../telemetry/paths';
import type { FileRecord, PathStat, Telemetry } from '../telemetry/schema';

/** A fact either was established or could not be, with the reason (never a silent default). */
export type Fact<T> = { ok: true; value: T } | { ok: false; reason: string };

export const fact = <T>(value: T): Fact<T> => ({ ok: true, value });
export const noFact = <T = never>(reason: string): Fact<T> => ({ ok: false, reason });

export interface TextFile {
  path: string;
  text: string;
}

export class Facts {
  private readonly cache = new Map<string, unknown>();
  constructor(readonly telemetry: Telemetry) {}

  get instanceId(): string {
    return this.telemetry.instanceId;
  }

  /** Memoize a derivation by key (derivations are pure functions of the telemetry). */
  memo<T>(key: string, compute: () => T): T {
    if (!this.cache.has(key)) this.cache.set(key, compute());
    return this.cache.get(key) as T;
  }

  get isLinux(): boolean {
    return this.telemetry.host.kernelName.toLowerCase() === 'linux';
  }

  get arch(): string | undefined {
    return this.telemetry.host.arch;
  }

  file(path: string): FileRecord | undefined {
    return this.telemetry.files[path];
  }

  /** The text of a collected file, or why it is not available. */
  text(path: string): Fact<TextFile> {
    const rec = this.file(path);
    if (!rec) return noFact(`${path} was not collected by the agent`);
    if (rec.status !== 'ok') return noFact(`${path}: ${rec.reason} (${rec.detail})`);
    return fact({ path, text: fileText(rec) ?? '' });
  }

  /** True when the agent looked for the file and it does not exist. */
  isAbsent(path: string): boolean {
    const rec = this.file(path);
    return rec?.status === 'missing' && rec.reason === 'not-found';
  }

  /** Collected files whose path starts with `dir/`, sorted by path. */
  filesUnder(dir: string): Array<[string, FileRecord]> {
    const prefix = dir.endsWith('/') ? dir : `${dir}/`;
    return Object.entries(this.telemetry.files)
      .filter(([p]) => p.startsWith(prefix) && !p.slice(prefix.length).includes('/'))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  pathStat(path: string): PathStat | undefined {
    return this.telemetry.paths[path];
  }

  kernelParameter(key: string): Fact<string> {
    const kp = this.telemetry.kernelParameters;
    if (kp.status !== 'ok')
      return noFact(`kernel parameters were not collected: ${kp.reason} (${kp.detail})`);
    const v = kp.values[key];
    if (v !== undefined) return fact(v.trim());
    const why = kp.unreadable[key];
    return noFact(why ? `${key} could not be read (${why})` : `${key} is not present under /proc/sys`);
  }
}
