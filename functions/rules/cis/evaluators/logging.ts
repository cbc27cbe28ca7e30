/**
 * ComplianceAsCode template `rsyslog_logfiles_attributes_modify`: the log files rsyslog writes (named in
 * /etc/rsyslog.conf and /etc/rsyslog.d/*.conf: selector lines `facility.priority  [-]/path` and
 * `action(type="omfile" file="/path")`) have the owner, group owner or at most the permissions wanted. Their
 * owner and mode come from the agent's listing of their directory (/var/log). A file that does not exist yet
 * is not judged (rsyslog creates it with its own $FileOwner/$FileCreateMode); a file whose directory was not
 * listed is reported as not judged. root as owner or group is accepted beside the product's value (syslog,
 * adm). rsyslog not installed (no /etc/rsyslog.conf) is NOT_APPLICABLE.
 */
import { groupEntries, passwdEntries } from '../../../core/facts/accounts';
import type { Facts } from '../../../core/facts/facts';
import { directoryTexts, listing, optionalText } from '../../../core/facts/host-config';
import type { Evidence } from '../../../core/model';
import { type CheckOutcome, error, fail, notApplicable, pass } from '../../../core/rule';
import type { Evaluator } from './index';

const RSYSLOG_CONF = '/etc/rsyslog.conf';
const RSYSLOG_DIR = '/etc/rsyslog.d';

/** Log file paths named by rsyslog configuration text. */
export function rsyslogLogFiles(text: string): Array<{ path: string; line: number }> {
  const out: Array<{ path: string; line: number }> = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!.replace(/#.*$/, '').trim();
    if (!l || l.startsWith('$') || l.startsWith('module(') || l.startsWith('include(')) continue;
    const action = /\btype\s*=\s*"omfile"/i.test(l) ? /\bfile\s*=\s*"([^"]+)"/i.exec(l) : null;
    if (action) {
      out.push({ path: action[1]!, line: i + 1 });
      continue;
    }
    const sel = /^[^\s(]*\.[^\s(]*\s+-?(\/\S+)\s*$/.exec(l);
    if (sel) out.push({ path: sel[1]!, line: i + 1 });
  }
  return out;
}

function configTexts(
  facts: Facts,
): { ok: true; files: Array<{ path: string; text: string }> | undefined } | { ok: false; reason: string } {
  const main = optionalText(facts, RSYSLOG_CONF);
  if (!main.ok) return main;
  if (!main.value) return { ok: true, files: undefined };
  const d = directoryTexts(facts, RSYSLOG_DIR, '.conf');
  if (!d.ok) return d;
  return { ok: true, files: [main.value, ...d.value] };
}

export const rsyslogLogfilesAttributesModify: Evaluator = (facts, { vars }): CheckOutcome => {
  const attribute = vars.attribute;
  const value = vars.value;
  if (!attribute || !value)
    return error('template rsyslog_logfiles_attributes_modify without attribute or value');
  const conf = configTexts(facts);
  if (!conf.ok) return error(`the rsyslog configuration could not be read: ${conf.reason}`);
  if (!conf.files) return notApplicable(`rsyslog is not installed (${RSYSLOG_CONF} does not exist)`);
  const named = new Map<string, { source: string; line: number }>();
  for (const f of conf.files)
    for (const x of rsyslogLogFiles(f.text))
      if (!named.has(x.path)) named.set(x.path, { source: f.path, line: x.line });
  if (named.size === 0)
    return pass('rsyslog writes no log file', [{ source: RSYSLOG_CONF, value: '(no file actions)' }]);
  let wantedIds: number[] = [];
  if (attribute === 'owner' || attribute === 'groupowner') {
    const entries = attribute === 'owner' ? passwdEntries(facts) : groupEntries(facts);
    if (!entries.ok)
      return error(`${attribute === 'owner' ? 'users' : 'groups'} could not be read: ${entries.reason}`);
    const byName = new Map(entries.value.entries.map((e) => [e.name, 'uid' in e ? e.uid : e.gid]));
    wantedIds = [...new Set([0, byName.get(value)].filter((x): x is number => x !== undefined))];
  }
  const wantMode = Number.parseInt(value, 8);
  const expected =
    attribute === 'permissions' ? `${value} or stricter` : value === 'root' ? 'root' : `${value} or root`;
  const evidence: Evidence[] = [];
  const bad: string[] = [];
  const unjudged: string[] = [];
  for (const [path, from] of named) {
    const dir = path.slice(0, path.lastIndexOf('/')) || '/';
    const l = listing(facts, dir);
    if (!l.ok) {
      unjudged.push(`${path} (${l.reason})`);
      continue;
    }
    const e = l.value?.entries.find((x) => x.name === path.slice(dir.length + 1));
    if (e?.type !== 'file') continue;
    let ok: boolean;
    let seen: string;
    if (attribute === 'permissions') {
      ok = (e.mode & 0o7777 & ~wantMode) === 0;
      seen = `0${(e.mode & 0o7777).toString(8).padStart(3, '0')}`;
    } else {
      const id = attribute === 'owner' ? e.uid : e.gid;
      ok = wantedIds.includes(id);
      seen = String(id);
    }
    evidence.push({
      source: path,
      key: attribute,
      value: seen,
      expected,
      note: `named at ${from.source} line ${from.line}`,
    });
    if (!ok) bad.push(`${path} ${attribute} ${seen}`);
  }
  const note = unjudged.length ? `; not judged: ${unjudged.join(', ')}` : '';
  if (bad.length)
    return {
      ...fail(
        `${bad.length} rsyslog log file(s) with the wrong ${attribute}: ${bad.slice(0, 10).join(', ')}${note}`,
        evidence,
      ),
      recommendation:
        attribute === 'permissions'
          ? `chmod ${value} on each file listed (and set $FileCreateMode ${value} in ${RSYSLOG_CONF}).`
          : `${attribute === 'owner' ? 'chown' : 'chgrp'} ${value} on each file listed.`,
    };
  if (evidence.length === 0 && unjudged.length) return error(`no rsyslog log file could be judged${note}`);
  return pass(`${evidence.length} rsyslog log file(s) have the ${attribute} wanted${note}`, evidence);
};

export const LOGGING_EVALUATORS: Readonly<Record<string, Evaluator>> = {
  rsyslog_logfiles_attributes_modify: rsyslogLogfilesAttributesModify,
};
