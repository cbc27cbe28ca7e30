/**
 * sshd's effective configuration, computed the way sshd(8) reads sshd_config at start-up:
 * - the first value a keyword gets wins; later lines (and later files) do not change it;
 * - `Include` is expanded in place, at the line where it stands, its glob matches in sorted order; a
 *   relative path is taken under /etc/ssh;
 * - `Match` lines start a conditional block that lasts to the next `Match` or to the end of the file that
 *   holds it (an included file cannot end its includer's block, nor leak its own into it). At start-up no
 *   connection is known, so a conditional block does not set the global value: its settings are reported
 *   separately. `Match all` matches everything, so what follows it is global again;
 * - an `Include` inside a conditional block only contributes to that block;
 * - keywords never set keep sshd's compiled-in default.
 */
import { parseSshdConfig, type SshdDirective } from '../../parsers/sshd-config';
import { globMatch } from '../telemetry/glob-match';
import { type Fact, type Facts, fact, noFact } from './facts';

export const SSHD_CONFIG_PATH = '/etc/ssh/sshd_config';
export const SSHD_BINARIES = ['/usr/sbin/sshd', '/usr/bin/sshd', '/sbin/sshd'] as const;
const SSH_DIR = '/etc/ssh';
const MAX_INCLUDE_DEPTH = 16;
/** Files read while expanding sshd_config: Includes repeated at every level would otherwise grow exponentially. */
export const MAX_INCLUDE_READS = 1000;

/** Compiled-in defaults of current OpenSSH for the keywords the rules judge. */
export const SSHD_DEFAULTS: Readonly<Record<string, string>> = {
  permitrootlogin: 'prohibit-password',
  passwordauthentication: 'yes',
  protocol: '2',
};

export interface SshdSetting {
  keyword: string;
  /** The arguments as written, joined by one space. */
  value: string;
  source: string;
  line: number;
  text: string;
}

export interface SshdMatchSetting extends SshdSetting {
  /** The Match criteria that guard it (e.g. `User backup`). */
  match: string;
}

export interface SshdEffectiveConfig {
  /** Why sshd counts as present (config file and/or binaries found). */
  presentBecause: string[];
  /** Whether /etc/ssh/sshd_config exists (otherwise only defaults apply). */
  hasConfig: boolean;
  /** Files read, in the order sshd reads them. */
  files: string[];
  /** First value per lower-cased keyword, outside conditional Match blocks. */
  global: Map<string, SshdSetting>;
  /** Settings inside conditional Match blocks, in reading order. */
  matchSettings: SshdMatchSetting[];
  /** Lines sshd would reject (reported, not fatal here). */
  problems: string[];
}

export type SshdPresence =
  | { present: false; reason: string }
  | { present: true; config: SshdEffectiveConfig };

/** Whether sshd is present and, if it is, its effective configuration (or why it cannot be known). */
export function sshdConfiguration(facts: Facts): Fact<SshdPresence> {
  return facts.memo('sshd-config', () => compute(facts));
}

function compute(facts: Facts): Fact<SshdPresence> {
  const rec = facts.file(SSHD_CONFIG_PATH);
  if (!rec) return noFact(`${SSHD_CONFIG_PATH} was not collected by the agent`);
  const binaries = SSHD_BINARIES.filter((b) => facts.pathStat(b)?.status === 'ok');
  const presentBecause: string[] = [];
  const configAbsent = rec.status === 'missing' && rec.reason === 'not-found';
  if (!configAbsent) presentBecause.push(`${SSHD_CONFIG_PATH} exists`);
  for (const b of binaries) presentBecause.push(`${b} exists`);
  if (presentBecause.length === 0) {
    const unknown = SSHD_BINARIES.filter((b) => facts.pathStat(b) === undefined);
    if (unknown.length > 0)
      return noFact(`whether ${unknown.join(', ')} exist was not collected by the agent`);
    return fact({
      present: false,
      reason: `neither ${SSHD_CONFIG_PATH} nor an sshd binary (${SSHD_BINARIES.join(', ')}) exists`,
    });
  }
  const config: SshdEffectiveConfig = {
    presentBecause,
    hasConfig: !configAbsent,
    files: [],
    global: new Map(),
    matchSettings: [],
    problems: [],
  };
  if (configAbsent) return fact({ present: true, config });
  const failure = readFile(facts, config, SSHD_CONFIG_PATH, { active: true, match: undefined }, 0);
  if (failure) return noFact(failure);
  return fact({ present: true, config });
}

interface Context {
  /** Directives here set global values. */
  active: boolean;
  /** The conditional Match block the directives belong to, when not active. */
  match: string | undefined;
}

/** Reads one file into `config`; returns why it could not be read, if so. */
function readFile(
  facts: Facts,
  config: SshdEffectiveConfig,
  path: string,
  outer: Context,
  depth: number,
): string | undefined {
  const t = facts.text(path);
  if (!t.ok) return t.reason;
  if (config.files.length >= MAX_INCLUDE_READS)
    return `expanding Include directives reads more than ${MAX_INCLUDE_READS} files (at ${path})`;
  config.files.push(path);
  const parsed = parseSshdConfig(t.value.text);
  for (const e of parsed.errors) config.problems.push(`${path} line ${e.line}: ${e.message}`);
  // A Match in this file only lasts to its end: the includer's state is restored after it.
  let ctx: Context = { ...outer };
  for (const d of parsed.directives) {
    if (d.keyword === 'match') {
      ctx = matchContext(d, outer);
      continue;
    }
    if (d.keyword === 'include') {
      if (depth + 1 > MAX_INCLUDE_DEPTH)
        return `${path} line ${d.line}: Include nested deeper than ${MAX_INCLUDE_DEPTH}`;
      for (const pattern of d.args) {
        const absolute = pattern.startsWith('/') ? pattern : `${SSH_DIR}/${pattern}`;
        const matches = globCollected(facts, absolute);
        for (const m of matches) {
          const failure = readFile(facts, config, m, ctx, depth + 1);
          if (failure) return `${failure} (included from ${path} line ${d.line})`;
        }
      }
      continue;
    }
    const setting = { keyword: d.keyword, value: d.args.join(' '), source: path, line: d.line, text: d.text };
    if (ctx.active) {
      if (!config.global.has(d.keyword)) config.global.set(d.keyword, setting);
    } else {
      config.matchSettings.push({ ...setting, match: ctx.match ?? '(inactive)' });
    }
  }
  return undefined;
}

function matchContext(d: SshdDirective, outer: Context): Context {
  const criteria = d.args.join(' ');
  // Inside an include read from a conditional block nothing becomes global, whatever its own Match says.
  if (!outer.active) return { active: false, match: outer.match ? `${outer.match} + ${criteria}` : criteria };
  if (d.args[0]?.toLowerCase() === 'all') return { active: true, match: undefined };
  return { active: false, match: criteria };
}

/** The collected files that a glob(3) pattern matches, sorted (the agent collected every match). */
function globCollected(facts: Facts, pattern: string): string[] {
  const parts = pattern.split('/').filter((p) => p !== '' && p !== '.');
  return Object.keys(facts.telemetry.files)
    .filter((p) => {
      const segs = p.split('/').filter(Boolean);
      return segs.length === parts.length && segs.every((s, i) => globMatch(parts[i]!, s));
    })
    .sort();
}

/** The effective global value of a keyword: the first one set, else the default. */
export function sshdValue(
  config: SshdEffectiveConfig,
  keyword: string,
): { value: string; setting?: SshdSetting; isDefault: boolean } {
  const k = keyword.toLowerCase();
  const setting = config.global.get(k);
  if (setting) return { value: setting.value, setting, isDefault: false };
  return { value: SSHD_DEFAULTS[k] ?? '', isDefault: true };
}

/** Settings of a keyword inside conditional Match blocks. */
export function sshdMatchValues(config: SshdEffectiveConfig, keyword: string): SshdMatchSetting[] {
  const k = keyword.toLowerCase();
  return config.matchSettings.filter((s) => s.keyword === k);
}
