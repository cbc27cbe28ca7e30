/**
 * Hand-written rules on users' home directories, their dot files, root's umask and root's PATH, read from
 * the agent's `userEnvironment` material (names, owners and modes; never contents):
 * - accounts_user_interactive_home_directory_exists, file_ownership_home_directories,
 *   file_groupownership_home_directories, file_permissions_home_directories (no setuid/setgid, no group
 *   write, nothing for others: 0750 at most);
 * - accounts_user_dot_user_ownership / _group_ownership (dot files owned by the user and the user's primary
 *   group), file_permission_user_init_files (files matching var_user_initialization_files_regex 0740 at most),
 *   file_permission_user_bash_history (0600 at most), accounts_users_netrc_file_permissions (0600 at most);
 * - no_forward_files, no_netrc_files, no_rsh_trust_files (.rhosts/.shosts in homes, /etc/hosts.equiv,
 *   /etc/shosts.equiv), no_rhost_files;
 * - accounts_umask_root: no umask line in /root/.bashrc or /root/.profile less strict than 027;
 * - root_path_no_dot, root_path_all_dirs, accounts_root_path_dirs_no_write: the PATH of the agent's process
 *   when it runs as root on a live host (what OpenSCAP reads: the scanner's own environment); on an image
 *   they are NOT_APPLICABLE (a PATH is a fact of a running process).
 *
 * Interactive users are ComplianceAsCode's: uid 1000 or more (at least four digits), shell not
 * /sbin/nologin, /usr/sbin/nologin, /bin/false or /usr/bin/false, name not nobody or nfsnobody.
 */

import path from 'node:path';
import { passwdEntries } from '../../../core/facts/accounts';
import type { Fact, Facts } from '../../../core/facts/facts';
import { fact, noFact } from '../../../core/facts/facts';
import type { Evidence } from '../../../core/model';
import { error, fail, notApplicable, pass } from '../../../core/rule';
import type { ListingEntry, PathStat, UserEnvironmentTelemetry } from '../../../core/telemetry';
import type { PasswdEntry } from '../../../parsers/passwd';
import type { Evaluator } from './index';
import { octal, xccdfVariable } from './template-helpers';

type HomeRecord = Extract<UserEnvironmentTelemetry['homes'], { status: 'ok' }>['entries'][number];

const NOLOGIN = /^(\/usr)?(\/sbin\/nologin|\/bin\/false)$/;
const IGNORED = /^(nobody|nfsnobody)$/;
const MAX_EVIDENCE = 20;

/** ComplianceAsCode's interactive users (see the module comment). */
export function interactiveUsers(entries: readonly PasswdEntry[]): PasswdEntry[] {
  return entries.filter((e) => e.uid >= 1000 && !NOLOGIN.test(e.shell) && !IGNORED.test(e.name));
}

interface UserHome {
  user: PasswdEntry;
  home: HomeRecord;
}

function userEnvironment(facts: Facts): Fact<UserEnvironmentTelemetry> {
  const u = facts.telemetry.userEnvironment;
  return u
    ? fact(u)
    : noFact('home directories were not collected (an agent before user environment material)');
}

const normalHome = (p: string) => path.posix.normalize(p).replace(/(.)\/+$/, '$1');

/** The home records of the given users; no fact when one was not looked at. */
function homesOf(facts: Facts, users: readonly PasswdEntry[]): Fact<UserHome[]> {
  const env = userEnvironment(facts);
  if (!env.ok) return env;
  const homes = env.value.homes;
  if (homes.status === 'missing') return noFact(`home directories: ${homes.reason} (${homes.detail})`);
  const byPath = new Map(homes.entries.map((h) => [h.path, h]));
  const out: UserHome[] = [];
  for (const user of users) {
    if (!user.home.startsWith('/')) continue;
    const home = byPath.get(normalHome(user.home));
    if (!home)
      return noFact(
        `${user.name}'s home directory ${user.home} was not looked at by the agent${homes.truncated ? ` (only ${homes.entries.length} of ${homes.total} home directories are recorded)` : ''}`,
      );
    out.push({ user, home });
  }
  return fact(out);
}

function interactiveHomes(facts: Facts): Fact<UserHome[]> {
  const p = passwdEntries(facts);
  if (!p.ok) return noFact(`/etc/passwd: ${p.reason}`);
  return homesOf(facts, interactiveUsers(p.value.entries));
}

const statOk = (s: PathStat): s is Extract<PathStat, { status: 'ok' }> => s.status === 'ok';

/** A check of every interactive user's home directory (that exists). */
function homeDirectoryRule(
  what: string,
  judge: (u: UserHome, st: Extract<PathStat, { status: 'ok' }>) => Evidence | undefined,
  fix: string,
): Evaluator {
  return (facts) => {
    const h = interactiveHomes(facts);
    if (!h.ok) return error(h.reason);
    const existing = h.value.filter((x) => statOk(x.home.stat) && x.home.stat.type === 'directory');
    if (existing.length === 0)
      return notApplicable(
        h.value.length === 0
          ? 'no interactive user (uid 1000 or more with a login shell) in /etc/passwd'
          : 'no interactive user has an existing home directory',
      );
    const bad = existing.flatMap((x) => {
      const e = judge(x, x.home.stat as Extract<PathStat, { status: 'ok' }>);
      return e ? [e] : [];
    });
    if (bad.length)
      return {
        ...fail(
          `${bad.length} of ${existing.length} interactive users' home directories are not ${what}`,
          bad.slice(0, MAX_EVIDENCE),
        ),
        recommendation: fix,
      };
    return pass(`${existing.length} interactive users' home directories are ${what}`, [
      {
        source: 'home directories',
        note: existing
          .map((x) => `${x.user.name}:${x.home.path}`)
          .slice(0, MAX_EVIDENCE)
          .join(', '),
      },
    ]);
  };
}

const homeExists: Evaluator = (facts) => {
  const h = interactiveHomes(facts);
  if (!h.ok) return error(h.reason);
  if (h.value.length === 0)
    return notApplicable('no interactive user (uid 1000 or more with a login shell) in /etc/passwd');
  const bad: Evidence[] = [];
  for (const { user, home } of h.value) {
    const st = home.stat;
    if (st.status === 'ok' && st.type === 'directory') continue;
    if (st.status === 'missing' && st.reason !== 'not-found')
      return error(`${user.name}'s home directory ${home.path}: ${st.reason} (${st.detail})`);
    bad.push({
      source: '/etc/passwd',
      line: user.line,
      key: user.name,
      value: st.status === 'ok' ? `${home.path} is a ${st.type}` : `${home.path} does not exist`,
      expected: 'an existing directory',
    });
  }
  if (bad.length)
    return {
      ...fail(`${bad.length} interactive user(s) without a home directory`, bad.slice(0, MAX_EVIDENCE)),
      recommendation:
        'Create each listed home directory (mkhomedir_helper USER, or mkdir with the user as owner, mode 0750) or change the account’s home in /etc/passwd (usermod -d).',
    };
  return pass(`${h.value.length} interactive user(s), each with an existing home directory`);
};

const ownedByUser = homeDirectoryRule(
  'owned by their user',
  ({ user, home }, st) =>
    st.uid === user.uid
      ? undefined
      : { source: home.path, key: user.name, value: `uid ${st.uid}`, expected: `uid ${user.uid}` },
  'chown USER HOME for each listed home directory.',
);

const groupOwnedByUser = homeDirectoryRule(
  "group-owned by their user's primary group",
  ({ user, home }, st) =>
    st.gid === user.gid
      ? undefined
      : { source: home.path, key: user.name, value: `gid ${st.gid}`, expected: `gid ${user.gid}` },
  'chgrp GROUP HOME (the user’s primary group) for each listed home directory.',
);

/** No setuid/setgid, no group write, nothing for others (0750 at most). */
const HOME_FORBIDDEN = 0o6027;
const homeMode = homeDirectoryRule(
  'mode 0750 or stricter',
  ({ user, home }, st) =>
    st.mode & HOME_FORBIDDEN
      ? { source: home.path, key: user.name, value: octal(st.mode), expected: '0750 or stricter' }
      : undefined,
  'chmod u-s,g-ws,o-rwx HOME for each listed home directory.',
);

/** A check of the dot files (regular files whose name starts with ".") of every interactive user's home. */
function dotFileRule(opts: {
  what: string;
  pick: (name: string, facts: Facts, input: Parameters<Evaluator>[1]) => boolean;
  judge: (u: UserHome, e: ListingEntry) => Evidence | undefined;
  fix: string;
  /** What "nothing to judge" means: PASS for the ownership rules (no files), as OpenSCAP's any_exist. */
  none: string;
}): Evaluator {
  return (facts, input) => {
    const h = interactiveHomes(facts);
    if (!h.ok) return error(h.reason);
    if (h.value.length === 0)
      return notApplicable('no interactive user (uid 1000 or more with a login shell) in /etc/passwd');
    let seen = 0;
    const bad: Evidence[] = [];
    const cut: string[] = [];
    for (const u of h.value) {
      if (u.home.dotTotal > u.home.dotEntries.length) cut.push(u.home.path);
      for (const e of u.home.dotEntries) {
        if (e.type !== 'file' || !opts.pick(e.name, facts, input)) continue;
        seen++;
        const ev = opts.judge(u, e);
        if (ev) bad.push(ev);
      }
    }
    if (bad.length)
      return {
        ...fail(
          `${bad.length} dot file(s) of interactive users are not ${opts.what}`,
          bad.slice(0, MAX_EVIDENCE),
        ),
        recommendation: opts.fix,
      };
    if (cut.length)
      return error(
        `the agent recorded only part of the dot files of ${cut.slice(0, 5).join(', ')}: the rest could not be judged`,
      );
    return pass(
      seen ? `${seen} dot file(s) of ${h.value.length} interactive user(s), all ${opts.what}` : opts.none,
    );
  };
}

const entryPath = (u: UserHome, e: ListingEntry) => `${u.home.path.replace(/\/$/, '')}/${e.name}`;

const anyDot = () => true;

const dotOwner = dotFileRule({
  what: 'owned by their user',
  pick: anyDot,
  judge: (u, e) =>
    e.uid === u.user.uid
      ? undefined
      : { source: entryPath(u, e), key: u.user.name, value: `uid ${e.uid}`, expected: `uid ${u.user.uid}` },
  fix: 'chown USER for each listed file.',
  none: 'interactive users have no dot files',
});

const dotGroup = dotFileRule({
  what: "group-owned by their user's primary group",
  pick: anyDot,
  judge: (u, e) =>
    e.gid === u.user.gid
      ? undefined
      : { source: entryPath(u, e), key: u.user.name, value: `gid ${e.gid}`, expected: `gid ${u.user.gid}` },
  fix: 'chgrp to the user’s primary group for each listed file.',
  none: 'interactive users have no dot files',
});

function modeAtMost(
  max: number,
  what: string,
  pick: (name: string, facts: Facts, input: Parameters<Evaluator>[1]) => boolean,
  none: string,
  fix: string,
): Evaluator {
  const forbidden = 0o7777 & ~max;
  return dotFileRule({
    what: `mode ${octal(max)} or stricter`,
    pick,
    judge: (u, e) =>
      e.mode & forbidden
        ? {
            source: entryPath(u, e),
            key: u.user.name,
            value: octal(e.mode),
            expected: `${octal(max)} or stricter (${what})`,
          }
        : undefined,
    fix,
    none,
  });
}

const initFiles = modeAtMost(
  0o740,
  'initialization file',
  (name, _facts, input) => {
    const re = xccdfVariable(input, 'var_user_initialization_files_regex');
    return new RegExp(re ?? '^(\\.bashrc|\\.zshrc|\\.cshrc|\\.profile|\\.bash_login|\\.bash_profile)$').test(
      name,
    );
  },
  'interactive users have no initialization files',
  'chmod u-s,g-wxs,o= for each listed file (0740 at most).',
);

const bashHistory = modeAtMost(
  0o600,
  'shell history',
  (name) => name === '.bash_history',
  'interactive users have no .bash_history',
  'chmod 0600 for each listed .bash_history.',
);

const netrcMode = modeAtMost(
  0o600,
  '.netrc holds credentials',
  (name) => /\.netrc/.test(name),
  'interactive users have no .netrc',
  'chmod 0600 for each listed .netrc (better: remove it, see no_netrc_files).',
);

/** No file of these names in the given homes (and, optionally, these system paths). */
function noFiles(opts: {
  names: RegExp;
  label: string;
  homes: 'interactive' | 'interactive-and-root';
  systemPaths?: readonly string[];
  fix: string;
}): Evaluator {
  return (facts) => {
    const p = passwdEntries(facts);
    if (!p.ok) return error(`/etc/passwd: ${p.reason}`);
    const users = interactiveUsers(p.value.entries);
    if (opts.homes === 'interactive-and-root') users.unshift(...p.value.entries.filter((e) => e.uid === 0));
    const h = homesOf(facts, users);
    if (!h.ok) return error(h.reason);
    const found: Evidence[] = [];
    const cut: string[] = [];
    const seenHomes = new Set<string>();
    for (const u of h.value) {
      if (seenHomes.has(u.home.path)) continue;
      seenHomes.add(u.home.path);
      if (u.home.dotTotal > u.home.dotEntries.length) cut.push(u.home.path);
      for (const e of u.home.dotEntries)
        if (opts.names.test(e.name) && e.type !== 'directory')
          found.push({ source: entryPath(u, e), key: u.user.name, value: 'present', expected: 'absent' });
    }
    for (const sp of opts.systemPaths ?? []) {
      const st = facts.pathStat(sp);
      if (!st) return error(`${sp} was not looked at by the agent`);
      if (st.status === 'ok') found.push({ source: sp, value: 'present', expected: 'absent' });
      else if (st.reason !== 'not-found') return error(`${sp}: ${st.reason} (${st.detail})`);
    }
    if (found.length)
      return {
        ...fail(`${found.length} ${opts.label} file(s) found`, found.slice(0, MAX_EVIDENCE)),
        recommendation: opts.fix,
      };
    if (cut.length)
      return error(
        `the agent recorded only part of the dot files of ${cut.slice(0, 5).join(', ')}: ${opts.label} files could be among the rest`,
      );
    const where = [
      `${seenHomes.size} home director${seenHomes.size === 1 ? 'y' : 'ies'}`,
      ...(opts.systemPaths ?? []),
    ];
    return pass(`no ${opts.label} file in ${where.join(', ')}`);
  };
}

const UMASK_LINE = /^[^#]*\bumask\s+[0-7]?[0-7]([0-1][0-7]|[0-7][0-6])\s*$/;

const umaskRoot: Evaluator = (facts) => {
  const env = userEnvironment(facts);
  if (!env.ok) return error(env.reason);
  const bad: Evidence[] = [];
  const read: string[] = [];
  for (const { path, file } of env.value.rootUmaskLines) {
    if (file.status === 'missing') {
      if (file.reason === 'not-found') continue;
      return error(`${path}: ${file.reason} (${file.detail})`);
    }
    if (file.truncated) return error(`${path} has more umask lines than the agent records`);
    read.push(path);
    for (const l of file.lines)
      if (UMASK_LINE.test(l.text))
        bad.push({ source: path, line: l.line, value: l.text.trim(), expected: 'umask 027 or stricter' });
  }
  if (bad.length)
    return {
      ...fail(`root's shell start-up files set a umask less strict than 027`, bad),
      recommendation:
        'Set `umask 027` (or 077) in /root/.bashrc and /root/.profile, or remove the lenient umask lines.',
    };
  return pass(
    read.length
      ? `no umask less strict than 027 in ${read.join(' or ')}`
      : 'root has neither /root/.bashrc nor /root/.profile: no lenient umask is set there',
  );
};

/** The agent's PATH when it ran as root on a live host. */
function rootPath(
  facts: Facts,
): Fact<Extract<UserEnvironmentTelemetry['agentPath'], { status: 'ok' }>> | { na: string } {
  const env = userEnvironment(facts);
  if (!env.ok) return env;
  const p = env.value.agentPath;
  if (p.status === 'missing')
    return p.reason === 'not-live-host'
      ? {
          na: `${p.detail.startsWith('not a live host') ? p.detail : `not a live host: ${p.detail}`}; root's PATH is a fact of a running shell`,
        }
      : noFact(`the agent's PATH: ${p.reason} (${p.detail})`);
  if (p.uid !== 0)
    return { na: `the agent ran as uid ${p.uid}, not root: its PATH is not root's (run the agent as root)` };
  return fact(p);
}

const PATH_SOURCE = "PATH (the agent's environment, as root)";

const pathNoDot: Evaluator = (facts) => {
  const r = rootPath(facts);
  if ('na' in r) return notApplicable(r.na);
  if (!r.ok) return error(r.reason);
  const v = r.value.value;
  const problems: string[] = [];
  if (/^[:.]/.test(v)) problems.push('starts with ":" or "."');
  if (v.includes('::')) problems.push('holds an empty entry ("::")');
  if (v.includes('..')) problems.push('holds ".."');
  if (/[:.]$/.test(v)) problems.push('ends with ":" or "."');
  if (/^[^/]/.test(v)) problems.push('does not start with "/"');
  if (/[^\\]:[^/]/.test(v)) problems.push('holds a relative directory');
  const evidence: Evidence[] = [{ source: PATH_SOURCE, value: v }];
  if (problems.length)
    return {
      ...fail(`root's PATH ${problems.join('; ')}`, [
        { ...evidence[0]!, expected: 'absolute directories only, no empty entry, no "."' },
      ]),
      recommendation:
        'Remove empty, "." and relative entries from root’s PATH (in /root/.bashrc, /root/.profile, /etc/profile and /etc/environment).',
    };
  return pass("root's PATH holds only absolute directories", evidence);
};

const pathAllDirs: Evaluator = (facts) => {
  const r = rootPath(facts);
  if ('na' in r) return notApplicable(r.na);
  if (!r.ok) return error(r.reason);
  if (r.value.truncated) return error('root’s PATH has more directories than the agent records');
  const bad: Evidence[] = [];
  for (const d of r.value.directories) {
    const st = d.stat;
    if (st.status === 'ok' && st.type === 'directory') continue;
    if (st.status === 'missing' && st.reason !== 'not-found')
      return error(`${d.path}: ${st.reason} (${st.detail})`);
    bad.push({
      source: PATH_SOURCE,
      key: d.path,
      value: st.status === 'ok' ? `a ${st.type}` : 'does not exist',
      expected: 'an existing directory',
    });
  }
  if (bad.length)
    return {
      ...fail(
        `${bad.length} entr${bad.length === 1 ? 'y' : 'ies'} of root's PATH ${bad.length === 1 ? 'is' : 'are'} not an existing directory`,
        bad,
      ),
      recommendation:
        'Remove the listed entries from root’s PATH, or create the directories (owned by root, not group- or world-writable).',
    };
  return pass(`the ${r.value.directories.length} directories of root's PATH exist`, [
    { source: PATH_SOURCE, value: r.value.value },
  ]);
};

const pathNoWrite: Evaluator = (facts) => {
  const r = rootPath(facts);
  if ('na' in r) return notApplicable(r.na);
  if (!r.ok) return error(r.reason);
  if (r.value.truncated) return error('root’s PATH has more directories than the agent records');
  const bad: Evidence[] = [];
  for (const d of r.value.directories) {
    const st = d.stat;
    if (st.status !== 'ok') continue;
    if (st.mode & 0o022)
      bad.push({
        source: PATH_SOURCE,
        key: d.path,
        value: octal(st.mode),
        expected: 'not writable by group or others',
      });
  }
  if (bad.length)
    return {
      ...fail(
        `${bad.length} director${bad.length === 1 ? 'y' : 'ies'} of root's PATH writable by group or others`,
        bad,
      ),
      recommendation: 'chmod go-w each listed directory, or remove it from root’s PATH.',
    };
  return pass(
    `no directory of root's PATH is writable by group or others (${r.value.directories.length} checked)`,
    [{ source: PATH_SOURCE, value: r.value.value }],
  );
};

const pathOwnedByRoot: Evaluator = (facts) => {
  const r = rootPath(facts);
  if ('na' in r) return notApplicable(r.na);
  if (!r.ok) return error(r.reason);
  if (r.value.truncated) return error('root’s PATH has more directories than the agent records');
  const bad: Evidence[] = [];
  for (const d of r.value.directories)
    if (d.stat.status === 'ok' && d.stat.uid !== 0)
      bad.push({ source: PATH_SOURCE, key: d.path, value: `uid ${d.stat.uid}`, expected: 'uid 0 (root)' });
  if (bad.length)
    return {
      ...fail(
        `${bad.length} director${bad.length === 1 ? 'y' : 'ies'} of root's PATH not owned by root`,
        bad,
      ),
      recommendation: 'chown root each listed directory, or remove it from root’s PATH.',
    };
  return pass(
    `every existing directory of root's PATH is owned by root (${r.value.directories.length} checked)`,
    [{ source: PATH_SOURCE, value: r.value.value }],
  );
};

export const USER_ENVIRONMENT_EVALUATORS = {
  'rule:no_dirs_unowned_by_root': pathOwnedByRoot,
  'rule:accounts_user_interactive_home_directory_exists': homeExists,
  'rule:file_ownership_home_directories': ownedByUser,
  'rule:file_groupownership_home_directories': groupOwnedByUser,
  'rule:file_permissions_home_directories': homeMode,
  'rule:accounts_user_dot_user_ownership': dotOwner,
  'rule:accounts_user_dot_group_ownership': dotGroup,
  'rule:file_permission_user_init_files': initFiles,
  'rule:file_permission_user_bash_history': bashHistory,
  'rule:accounts_users_netrc_file_permissions': netrcMode,
  'rule:no_forward_files': noFiles({
    names: /\.forward$/,
    label: '.forward',
    homes: 'interactive',
    fix: 'Remove each listed .forward file (mail forwarding by users can leak mail and run programs).',
  }),
  'rule:no_netrc_files': noFiles({
    names: /^\.netrc$/,
    label: '.netrc',
    homes: 'interactive',
    fix: 'Remove each listed .netrc file (it holds clear-text credentials).',
  }),
  'rule:no_rsh_trust_files': noFiles({
    names: /^\.(rhosts|shosts)$/,
    label: 'rsh trust (.rhosts, .shosts, hosts.equiv, shosts.equiv)',
    homes: 'interactive-and-root',
    systemPaths: ['/etc/hosts.equiv', '/etc/shosts.equiv'],
    fix: 'Remove each listed file: rsh-style host trust lets remote users in without a password.',
  }),
  'rule:no_rhost_files': noFiles({
    names: /^\.rhosts?$/,
    label: '.rhosts',
    homes: 'interactive-and-root',
    systemPaths: ['/etc/hosts.equiv'],
    fix: 'Remove each listed file: rsh-style host trust lets remote users in without a password.',
  }),
  'rule:accounts_umask_root': umaskRoot,
  'rule:root_path_no_dot': pathNoDot,
  'rule:root_path_all_dirs': pathAllDirs,
  'rule:accounts_root_path_dirs_no_write': pathNoWrite,
} satisfies Record<string, Evaluator>;
