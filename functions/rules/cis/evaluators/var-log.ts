/**
 * file_ownerships_var_log and file_groupownerships_var_log (Debian and Ubuntu benchmarks): every file under
 * /var/log (recursively, as far as the agent listed it; links not judged) is owned by root or syslog and
 * group-owned by root or adm, except the files other rules judge (apt/, landscape/, gdm/, sssd/, auth.log,
 * [bw]tmp, cloud-init.log, journals, lastlog, localmessages, messages, secure, syslog, waagent.log; on Debian
 * also aideinit.* and exim4/ for the owner). On Ubuntu an owner (group) that is a system account (a passwd
 * entry whose shell is not in /etc/shells), or its primary group, is accepted too. As ComplianceAsCode's
 * OVAL checks.
 */
import { groupEntries, passwdEntries } from '../../../core/facts/accounts';
import type { Facts } from '../../../core/facts/facts';
import { listing, optionalText } from '../../../core/facts/host-config';
import type { Evidence } from '../../../core/model';
import { error, fail, pass } from '../../../core/rule';
import type { Evaluator } from './index';

const VAR_LOG = '/var/log';

interface LogFile {
  path: string;
  name: string;
  uid: number;
  gid: number;
}

const EXCLUDED_PATHS = [
  /^\/var\/log\/apt\//,
  /^\/var\/log\/landscape\//,
  /^\/var\/log\/(gdm|gdm3)\//,
  /^\/var\/log\/sssd\//,
];
const EXCLUDED_NAMES = [
  /^auth\.log$/,
  /^[bw]tmp((\.|-).*)?$/,
  /^cloud-init\.log.*/,
  /^.*\.journal.*$/,
  /^lastlog.*$/,
  /^localmessages.*$/,
  /^messages$/,
  /^secure.*$/,
  /^syslog$/,
  /^waagent\.log.*$/,
];
const DEBIAN_OWNER_EXCLUDED = { names: [/^aideinit\..*$/], paths: [/^\/var\/log\/exim4\//] };

/** Files under /var/log the agent listed, with notes on what it did not list. */
function logFiles(
  facts: Facts,
): { ok: true; files: LogFile[]; notes: string[] } | { ok: false; reason: string } {
  const top = listing(facts, VAR_LOG);
  if (!top.ok) return { ok: false, reason: top.reason };
  if (!top.value) return { ok: true, files: [], notes: [] };
  const files: LogFile[] = [];
  const notes: string[] = [];
  const queue = [VAR_LOG];
  while (queue.length) {
    const d = queue.shift()!;
    const rec = d === VAR_LOG ? top.value : facts.telemetry.listings?.[d];
    if (rec?.status !== 'ok') {
      if (rec?.status === 'missing' && rec.reason === 'not-found') continue;
      notes.push(`${d} not listed`);
      continue;
    }
    if (rec.truncated) notes.push(`${d} listed in part (${rec.entries.length} of ${rec.total})`);
    for (const e of rec.entries) {
      const p = `${d}/${e.name}`;
      if (e.type === 'directory') queue.push(p);
      else if (e.type !== 'symlink') files.push({ path: p, name: e.name, uid: e.uid, gid: e.gid });
    }
  }
  return { ok: true, files, notes };
}

const excluded = (f: LogFile, extra?: typeof DEBIAN_OWNER_EXCLUDED) =>
  EXCLUDED_PATHS.some((r) => r.test(f.path)) ||
  EXCLUDED_NAMES.some((r) => r.test(f.name)) ||
  (extra !== undefined &&
    (extra.paths.some((r) => r.test(f.path)) || extra.names.some((r) => r.test(f.name))));

function varLogOwnership(kind: 'user' | 'group'): Evaluator {
  return (facts, input) => {
    const files = logFiles(facts);
    if (!files.ok) return error(`${VAR_LOG} is not known: ${files.reason}`);
    const passwd = passwdEntries(facts);
    if (!passwd.ok) return error(`/etc/passwd: ${passwd.reason}`);
    const allowed = new Map<number, string>([[0, 'root']]);
    if (kind === 'user') {
      const syslog = passwd.value.entries.find((e) => e.name === 'syslog');
      if (syslog) allowed.set(syslog.uid, 'syslog');
    } else {
      const groups = groupEntries(facts);
      if (!groups.ok) return error(`/etc/group: ${groups.reason}`);
      const adm = groups.value.entries.find((g) => g.name === 'adm');
      if (adm) allowed.set(adm.gid, 'adm');
    }
    const ubuntu = input.benchmark.startsWith('ubuntu');
    if (ubuntu) {
      // A system account: its shell is not one /etc/shells lists.
      const shells = optionalText(facts, '/etc/shells');
      if (!shells.ok) return error(`/etc/shells: ${shells.reason}`);
      const valid = new Set(
        (shells.value?.text ?? '')
          .split('\n')
          .map((l) => l.trim())
          .filter((l) => l.startsWith('/')),
      );
      for (const e of passwd.value.entries)
        if (!valid.has(e.shell)) {
          const id = kind === 'user' ? e.uid : e.gid;
          if (!allowed.has(id)) allowed.set(id, `system account ${e.name}`);
        }
    }
    const extra = kind === 'user' && input.benchmark === 'debian12' ? DEBIAN_OWNER_EXCLUDED : undefined;
    const judged = files.files.filter((f) => !excluded(f, extra));
    const id = (f: LogFile) => (kind === 'user' ? f.uid : f.gid);
    const bad = judged.filter((f) => !allowed.has(id(f)));
    const wanted = [...new Set(allowed.values())].filter((n) => !n.startsWith('system account'));
    const expected = `${kind === 'user' ? 'owner' : 'group'} ${wanted.join(' or ')}${ubuntu ? ' (or a system account’s)' : ''}`;
    const notes = files.notes.length ? ` (not seen: ${files.notes.join(', ')})` : '';
    if (bad.length) {
      const evidence: Evidence[] = bad.slice(0, 20).map((f) => ({
        source: f.path,
        key: kind === 'user' ? 'uid' : 'gid',
        value: String(id(f)),
        expected,
      }));
      return {
        ...fail(
          `${bad.length} of ${judged.length} file(s) under ${VAR_LOG} are not ${expected}${notes}`,
          evidence,
        ),
        recommendation: `${kind === 'user' ? 'chown root' : 'chgrp adm'} ${bad
          .slice(0, 20)
          .map((f) => f.path)
          .join(
            ' ',
          )}${bad.length > 20 ? ' …' : ''} (or fix the program or logrotate rule that creates them).`,
      };
    }
    return pass(`${judged.length} file(s) under ${VAR_LOG} judged: all ${expected}${notes}`);
  };
}

export const VAR_LOG_EVALUATORS = {
  'rule:file_ownerships_var_log': varLogOwnership('user'),
  'rule:file_groupownerships_var_log': varLogOwnership('group'),
} satisfies Record<string, Evaluator>;
