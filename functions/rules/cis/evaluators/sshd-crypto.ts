/**
 * Hand-written sshd rules judged on sshd's effective configuration (functions/core/facts/sshd.ts: first value
 * wins, Include'd drop-ins where the Include stands, Match blocks apart):
 *
 * - sshd_use_strong_ciphers: the Ciphers list names none of the weak ciphers (CBC modes, 3DES, RC4/arcfour,
 *   Blowfish, CAST, Rijndael-CBC).
 * - sshd_use_approved_ciphers, sshd_use_strong_macs, sshd_use_strong_kex: every algorithm of Ciphers / MACs /
 *   KexAlgorithms is in the benchmark's list (sshd_strong_macs, sshd_strong_kex; for al2, whose mapping
 *   names ComplianceAsCode's `cis_rhel7` selection, that selection's list written out below).
 *
 * A list that is not set, or written relative to the compiled-in one (`+…`, `-…`, `^…`), leaves sshd's
 * compiled-in list in effect, which depends on the OpenSSH version (OpenSSH 7.4's MACs and key exchanges
 * include SHA-1 ones): it fails, as upstream's check does, asking for an explicit list. A Match block that
 * sets another list is judged too.
 * - sshd_limit_user_access: AllowUsers, AllowGroups, DenyUsers or DenyGroups is set globally.
 * - file_permissions_sshd_private_key: the host private keys /etc/ssh/*_key are owned by root and not
 *   readable by others: mode 0600 at most, or 0640 with group ssh_keys (RHEL's sshd-keygen).
 *
 * sshd not installed (no config file, no binary): NOT_APPLICABLE.
 */
import { groupEntries } from '../../../core/facts/accounts';
import type { Facts } from '../../../core/facts/facts';
import { listing } from '../../../core/facts/host-config';
import {
  type SshdEffectiveConfig,
  sshdConfiguration,
  sshdMatchValues,
  sshdValue,
} from '../../../core/facts/sshd';
import type { Evidence } from '../../../core/model';
import { type CheckOutcome, error, fail, notApplicable, pass } from '../../../core/rule';
import type { Evaluator, EvaluatorInput } from './index';
import { octal, xccdfVariable } from './template-helpers';

/** Ciphers the CIS benchmarks name as weak. */
export const WEAK_CIPHERS: readonly string[] = [
  '3des-cbc',
  'aes128-cbc',
  'aes192-cbc',
  'aes256-cbc',
  'arcfour',
  'arcfour128',
  'arcfour256',
  'blowfish-cbc',
  'cast128-cbc',
  'rijndael-cbc@lysator.liu.se',
];

/** ComplianceAsCode's `cis_rhel7` selections (al2's mapping names the selector, not the list). */
const CIS_RHEL7: Readonly<Record<string, string>> = {
  sshd_approved_ciphers:
    'chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-gcm@openssh.com,aes256-ctr,aes192-ctr,aes128-ctr',
  sshd_strong_macs: 'hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com,hmac-sha2-512,hmac-sha2-256',
  sshd_strong_kex:
    'curve25519-sha256,curve25519-sha256@libssh.org,diffie-hellman-group14-sha256,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,ecdh-sha2-nistp521,ecdh-sha2-nistp384,ecdh-sha2-nistp256,diffie-hellman-group-exchange-sha256',
};

/** The allowed list a variable selects (a comma-separated list, or a known selector name). */
function allowedList(input: EvaluatorInput, variable: string): string[] | undefined {
  const v = xccdfVariable(input, variable);
  if (v === undefined) return undefined;
  const list = v.includes(',') || v.includes('@') || v.includes('-') ? v : CIS_RHEL7[variable];
  return list
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

type Judge = (algorithms: string[]) => string[];

function sshdPresent(facts: Facts): { config: SshdEffectiveConfig } | CheckOutcome {
  const sshd = sshdConfiguration(facts);
  if (!sshd.ok) return error(`the sshd configuration could not be read: ${sshd.reason}`);
  if (!sshd.value.present) return notApplicable(`sshd is not installed: ${sshd.value.reason}`);
  return { config: sshd.value.config };
}

/** An algorithm-list keyword judged by `bad` (returns the offending names). */
function algorithmList(keyword: string, bad: Judge, expected: string, fix: string): Evaluator {
  return (facts): CheckOutcome => {
    const p = sshdPresent(facts);
    if (!('config' in p)) return p;
    const config = p.config;
    const eff = sshdValue(config, keyword);
    const fallback = config.files[0] ?? '/etc/ssh/sshd_config';
    const recommendation = `Set "${keyword} ${fix}" before any other ${keyword} line sshd reads (the first value wins: a drop-in in /etc/ssh/sshd_config.d or the top of /etc/ssh/sshd_config) and reload sshd.`;
    if (!eff.setting)
      return {
        ...fail(
          `${keyword} is not set: sshd uses its compiled-in list, which depends on the OpenSSH version; set an explicit list`,
          [{ source: fallback, key: keyword, value: '(unset)', expected }],
        ),
        recommendation,
      };
    const settings = [
      { ...eff.setting, note: 'first value sshd reads' },
      ...sshdMatchValues(config, keyword).map((s) => ({ ...s, note: `inside Match ${s.match}` })),
    ];
    const evidence: Evidence[] = [];
    const problems: string[] = [];
    for (const s of settings) {
      const value = s.value.trim();
      const e: Evidence = { source: s.source, line: s.line, key: keyword, value, expected, note: s.note };
      evidence.push(e);
      if (/^[+\-^]/.test(value)) {
        problems.push(
          `${s.source} line ${s.line} changes the compiled-in list (${value[0]}), whose content depends on the OpenSSH version`,
        );
        continue;
      }
      const found = bad(value.split(',').map((a) => a.trim().toLowerCase()));
      if (found.length) problems.push(`${s.source} line ${s.line} allows ${found.join(', ')}`);
    }
    if (problems.length) return { ...fail(`${keyword}: ${problems.join('; ')}`, evidence), recommendation };
    return pass(
      `${keyword} allows only ${expected.startsWith('none') ? 'strong' : 'listed'} algorithms`,
      evidence,
    );
  };
}

const onlyFrom =
  (allowed: readonly string[]): Judge =>
  (algorithms) =>
    algorithms.filter((a) => !allowed.includes(a));

function allowlistRule(keyword: string, variable: string): Evaluator {
  return (facts, input) => {
    const allowed = allowedList(input, variable);
    if (!allowed?.length) return error(`the benchmark selects no list for ${variable}`);
    return algorithmList(
      keyword,
      onlyFrom(allowed.map((a) => a.toLowerCase())),
      `only ${allowed.join(',')}`,
      allowed.join(','),
    )(facts, input);
  };
}

const strongCiphers = algorithmList(
  'Ciphers',
  (algorithms) => algorithms.filter((a) => WEAK_CIPHERS.includes(a)),
  `none of ${WEAK_CIPHERS.join(',')}`,
  'aes256-gcm@openssh.com,aes128-gcm@openssh.com,aes256-ctr,aes192-ctr,aes128-ctr',
);

const ACCESS_KEYWORDS = ['AllowUsers', 'AllowGroups', 'DenyUsers', 'DenyGroups'];

const limitUserAccess: Evaluator = (facts) => {
  const p = sshdPresent(facts);
  if (!('config' in p)) return p;
  const set = ACCESS_KEYWORDS.map((k) => ({ k, v: sshdValue(p.config, k) })).filter((x) => x.v.setting);
  if (set.length === 0)
    return {
      ...fail(
        'none of AllowUsers, AllowGroups, DenyUsers, DenyGroups is set: every account may log in over SSH',
        [
          {
            source: p.config.files[0] ?? '/etc/ssh/sshd_config',
            key: ACCESS_KEYWORDS.join('/'),
            value: '(unset)',
            expected: 'at least one set',
          },
        ],
      ),
      recommendation:
        'Add "AllowGroups <group>" (or AllowUsers/DenyUsers/DenyGroups) to /etc/ssh/sshd_config.d/ and reload sshd.',
    };
  return pass(
    `SSH access is limited by ${set.map((x) => x.k).join(', ')}`,
    set.map(({ k, v }) => ({ source: v.setting!.source, line: v.setting!.line, key: k, value: v.value })),
  );
};

const sshdPrivateKeys: Evaluator = (facts) => {
  const l = listing(facts, '/etc/ssh');
  if (!l.ok) return error(l.reason);
  if (!l.value) return notApplicable('/etc/ssh does not exist: no SSH host keys');
  const keys = l.value.entries.filter((e) => e.type === 'file' && e.name.endsWith('_key'));
  if (keys.length === 0) {
    if (l.value.truncated)
      return error('/etc/ssh holds more entries than the agent lists: host keys not seen');
    return notApplicable('no SSH host private key (/etc/ssh/*_key)');
  }
  const groups = groupEntries(facts);
  const sshKeysGid = groups.ok ? groups.value.entries.find((g) => g.name === 'ssh_keys')?.gid : undefined;
  const evidence: Evidence[] = [];
  const bad: string[] = [];
  for (const k of keys) {
    const perm = k.mode & 0o7777;
    const ok =
      k.uid === 0 &&
      ((perm & ~0o600) === 0 || (sshKeysGid !== undefined && k.gid === sshKeysGid && (perm & ~0o640) === 0));
    evidence.push({
      source: `/etc/ssh/${k.name}`,
      value: `mode ${octal(k.mode)} uid ${k.uid} gid ${k.gid}`,
      expected: 'owner root, mode 0600 or stricter (0640 with group ssh_keys)',
    });
    if (!ok) bad.push(`/etc/ssh/${k.name}`);
  }
  if (bad.length)
    return {
      ...fail(`${bad.length} SSH host private key(s) too open: ${bad.join(', ')}`, evidence),
      recommendation: `chown root ${bad.join(' ')} && chmod 0600 ${bad.join(' ')}`,
    };
  return pass(`${keys.length} SSH host private key(s) owned by root and not readable by others`, evidence);
};

export const SSHD_CRYPTO_EVALUATORS: Readonly<Record<string, Evaluator>> = {
  'rule:sshd_use_strong_ciphers': strongCiphers,
  'rule:sshd_use_approved_ciphers': allowlistRule('Ciphers', 'sshd_approved_ciphers'),
  'rule:sshd_use_strong_macs': allowlistRule('MACs', 'sshd_strong_macs'),
  'rule:sshd_use_strong_kex': allowlistRule('KexAlgorithms', 'sshd_strong_kex'),
  'rule:sshd_limit_user_access': limitUserAccess,
  'rule:file_permissions_sshd_private_key': sshdPrivateKeys,
};
