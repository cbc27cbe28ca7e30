/**
 * sbp.system-dir-permissions: the system directories that exist are owned by root and writable by
 * neither group nor others. A symlinked directory (/bin -> usr/bin) is judged by what it points to (the
 * agent stats the target); a directory that does not exist is skipped and said so.
 */
import type { Evidence } from '../../core/model';
import { error, fail, pass, type Rule } from '../../core/rule';
import { SYSTEM_DIRECTORIES } from '../../core/telemetry/paths';
import { LINUX } from './sshd-common';

const EXPECTED = 'owner uid 0, no group or other write permission (e.g. 0755)';

const octal = (mode: number) => `0${(mode & 0o7777).toString(8).padStart(3, '0')}`;

export const systemDirPermissions: Rule = {
  id: 'sbp.system-dir-permissions',
  title: 'System directories are owned by root and not writable by others',
  findingTitle: 'System directories are writable by others or not owned by root',
  description:
    'A system directory (binaries, libraries, /etc, /boot) that a non-root user owns or that its group or ' +
    'everyone can write lets that user replace programs, libraries or configuration that root runs.',
  recommendation:
    'For each listed directory run "chown root DIR" and "chmod go-w DIR", then find out how it changed ' +
    '(package scripts, configuration management, a manual chmod).',
  severity: 'High',
  platforms: LINUX,
  parameters: {},
  check(facts) {
    const offenders: Evidence[] = [];
    const fixes: string[] = [];
    const checked: Evidence[] = [];
    const skipped: Evidence[] = [];
    const unknown: Evidence[] = [];
    for (const dir of SYSTEM_DIRECTORIES) {
      const st = facts.pathStat(dir);
      if (!st) {
        unknown.push({ source: dir, note: 'not collected by the agent' });
        continue;
      }
      if (st.status === 'missing') {
        if (st.reason === 'not-found') skipped.push({ source: dir, note: 'does not exist: skipped' });
        else unknown.push({ source: dir, note: `could not be examined: ${st.reason} (${st.detail})` });
        continue;
      }
      const link = st.resolvedPath ? `symlink to ${st.resolvedPath}; ` : '';
      const target = st.resolvedPath ?? dir;
      const problems: string[] = [];
      if (st.uid !== 0) problems.push(`owned by uid ${st.uid}`);
      if (st.mode & 0o020) problems.push('group-writable');
      if (st.mode & 0o002) problems.push('world-writable');
      const ev: Evidence = {
        source: dir,
        key: 'mode, owner',
        value: `${octal(st.mode)} uid ${st.uid} gid ${st.gid}`,
        expected: EXPECTED,
        note: `${link}${st.type}${problems.length ? `: ${problems.join(', ')}` : ''}`,
      };
      if (problems.length === 0) {
        checked.push(ev);
        continue;
      }
      offenders.push(ev);
      const cmds: string[] = [];
      if (st.uid !== 0) cmds.push(`chown root ${target}`);
      if (st.mode & 0o022) cmds.push(`chmod go-w ${target}`);
      fixes.push(cmds.join(' && '));
    }
    if (offenders.length > 0) {
      return {
        ...fail(
          `${offenders.length} system director${offenders.length === 1 ? 'y is' : 'ies are'} not root-owned or writable by group/others: ${offenders.map((o) => o.source).join(', ')}`,
          [...offenders, ...unknown, ...skipped],
        ),
        recommendation: `Run: ${fixes.join('; ')}. Then find what changed them (package scripts, configuration management, a manual chmod/chown).`,
      };
    }
    if (unknown.length > 0) {
      return error(
        `system directory permissions could not be fully evaluated: ${unknown.map((u) => u.source).join(', ')}`,
        [...unknown, ...checked, ...skipped],
      );
    }
    if (checked.length === 0) {
      return error('none of the system directories exists under the assessed root', skipped);
    }
    return pass(`${checked.length} system directories are root-owned and not writable by group or others`, [
      ...checked,
      ...skipped,
    ]);
  },
};
