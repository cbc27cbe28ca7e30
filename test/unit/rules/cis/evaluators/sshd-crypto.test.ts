import { chownSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SSHD_CRYPTO_EVALUATORS } from '../../../../../functions/rules/cis/evaluators/sshd-crypto';
import { cleanupRoots } from '../../../../helpers/fixture-root';
import { evaluate, factsOf } from './harness';

afterAll(cleanupRoots);

const fixture = (p: string) => readFileSync(path.join(__dirname, '../../../../fixtures/config', p), 'utf8');
/** Debian 12's shipped sshd_config (openssh-server 1:9.2p1-2+deb12u10): no Ciphers/MACs/KexAlgorithms line. */
const DEBIAN_SSHD = fixture('debian-12/etc/ssh/sshd_config');
const SSHD_BIN = { content: '', mode: 0o755 };
const run = (
  rule: string,
  facts: Awaited<ReturnType<typeof factsOf>>,
  benchmark: 'debian12' | 'al2' | 'ubuntu2204' = 'debian12',
) => evaluate(SSHD_CRYPTO_EVALUATORS[`rule:${rule}`]!, facts, rule, benchmark);
const root = (dropIn?: string) =>
  factsOf({
    files: {
      '/usr/sbin/sshd': SSHD_BIN,
      '/etc/ssh/sshd_config': DEBIAN_SSHD,
      ...(dropIn === undefined ? {} : { '/etc/ssh/sshd_config.d/50-cis.conf': dropIn }),
    },
  });

describe('sshd algorithm lists', () => {
  it.each([
    // [case, rule, drop-in, benchmark, expected]
    ['Ciphers unset (compiled-in list)', 'sshd_use_strong_ciphers', undefined, 'debian12', 'FAIL'],
    [
      'Ciphers CTR and GCM only',
      'sshd_use_strong_ciphers',
      'Ciphers aes256-gcm@openssh.com,aes128-ctr\n',
      'debian12',
      'PASS',
    ],
    [
      'Ciphers with a CBC mode',
      'sshd_use_strong_ciphers',
      'Ciphers aes256-ctr,aes128-cbc\n',
      'debian12',
      'FAIL',
    ],
    [
      'Ciphers relative to the default (-)',
      'sshd_use_strong_ciphers',
      'Ciphers -3des-cbc\n',
      'debian12',
      'FAIL',
    ],
    ['MACs unset', 'sshd_use_strong_macs', undefined, 'debian12', 'FAIL'],
    [
      'MACs the benchmark list',
      'sshd_use_strong_macs',
      'MACs hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com,hmac-sha2-512,hmac-sha2-256\n',
      'debian12',
      'PASS',
    ],
    ['MACs a subset', 'sshd_use_strong_macs', 'MACs hmac-sha2-256-etm@openssh.com\n', 'debian12', 'PASS'],
    ['MACs with hmac-sha1', 'sshd_use_strong_macs', 'MACs hmac-sha2-256,hmac-sha1\n', 'debian12', 'FAIL'],
    [
      'KexAlgorithms with group14-sha1',
      'sshd_use_strong_kex',
      'KexAlgorithms curve25519-sha256,diffie-hellman-group14-sha1\n',
      'debian12',
      'FAIL',
    ],
    [
      'KexAlgorithms sntrup on Debian 12',
      'sshd_use_strong_kex',
      'KexAlgorithms sntrup761x25519-sha512@openssh.com,curve25519-sha256\n',
      'debian12',
      'PASS',
    ],
    // Ubuntu 22.04's list has no sntrup761.
    [
      'KexAlgorithms sntrup on Ubuntu 22.04',
      'sshd_use_strong_kex',
      'KexAlgorithms sntrup761x25519-sha512@openssh.com,curve25519-sha256\n',
      'ubuntu2204',
      'FAIL',
    ],
    [
      'al2 cis_rhel7 selection: approved ciphers',
      'sshd_use_approved_ciphers',
      'Ciphers aes256-ctr,aes128-ctr\n',
      'al2',
      'PASS',
    ],
    [
      'al2 cis_rhel7 selection: MACs with umac-64',
      'sshd_use_strong_macs',
      'MACs umac-64@openssh.com\n',
      'al2',
      'FAIL',
    ],
  ] as const)('%s (%s) → %s', async (_case, rule, dropIn, benchmark, expected) => {
    const out = run(rule, await root(dropIn), benchmark);
    expect(out.result, out.message).toBe(expected);
  });

  it('first value wins: a weak list in a later file does not count, one in a Match block does', async () => {
    const first = await factsOf({
      files: {
        '/usr/sbin/sshd': SSHD_BIN,
        '/etc/ssh/sshd_config': `${DEBIAN_SSHD}\nCiphers 3des-cbc\n`,
        '/etc/ssh/sshd_config.d/10-cis.conf': 'Ciphers aes256-ctr\n',
      },
    });
    expect(run('sshd_use_strong_ciphers', first).result).toBe('PASS');
    const match = await root('Ciphers aes256-ctr\nMatch User legacy\n  Ciphers aes128-cbc\n');
    const out = run('sshd_use_strong_ciphers', match);
    expect(out.result).toBe('FAIL');
    expect(out.evidence.some((e) => e.note === 'inside Match User legacy')).toBe(true);
  });

  it('sshd not installed → NOT_APPLICABLE', async () => {
    const none = await factsOf({ files: { '/etc/hostname': 'h\n' } });
    for (const rule of [
      'sshd_use_strong_ciphers',
      'sshd_use_strong_macs',
      'sshd_use_strong_kex',
      'sshd_limit_user_access',
    ])
      expect(run(rule, none).result).toBe('NOT_APPLICABLE');
  });
});

describe('sshd_limit_user_access', () => {
  it.each([
    ["Debian's file alone", undefined, 'FAIL'],
    ['AllowGroups in a drop-in', 'AllowGroups sshusers\n', 'PASS'],
    ['DenyUsers', 'DenyUsers guest\n', 'PASS'],
  ] as const)('%s → %s', async (_c, dropIn, expected) => {
    expect(run('sshd_limit_user_access', await root(dropIn)).result).toBe(expected);
  });
});

describe('file_permissions_sshd_private_key', () => {
  const keys = (mode: number, extra: Record<string, string> = {}) => ({
    files: {
      '/etc/ssh/ssh_host_ed25519_key': { content: 'k', mode },
      '/etc/ssh/ssh_host_ed25519_key.pub': { content: 'p', mode: 0o644 },
      ...extra,
    },
  });
  it('0600 root → PASS; 0644 → FAIL; no key → NOT_APPLICABLE', async () => {
    expect(run('file_permissions_sshd_private_key', await factsOf(keys(0o600))).result).toBe('PASS');
    const open = run('file_permissions_sshd_private_key', await factsOf(keys(0o644)));
    expect(open.result).toBe('FAIL');
    expect(open.evidence[0]?.value).toMatch(/mode 0644/);
    expect(
      run('file_permissions_sshd_private_key', await factsOf({ files: { '/etc/ssh/ssh_config': 'x' } }))
        .result,
    ).toBe('NOT_APPLICABLE');
  });
  it('0640 passes only with group ssh_keys (RHEL)', async () => {
    const group = 'root:x:0:\nssh_keys:x:994:\n';
    const withGroup = await factsOf(keys(0o640, { '/etc/group': group }), {
      prepare: (r) => chownSync(path.join(r, 'etc/ssh/ssh_host_ed25519_key'), 0, 994),
    });
    expect(run('file_permissions_sshd_private_key', withGroup).result).toBe('PASS');
    const rootGroup = await factsOf(keys(0o640, { '/etc/group': group }));
    expect(run('file_permissions_sshd_private_key', rootGroup).result).toBe('FAIL');
  });
  it('a key not owned by root fails', async () => {
    const f = await factsOf(keys(0o600), {
      prepare: (r) => chownSync(path.join(r, 'etc/ssh/ssh_host_ed25519_key'), 1000, 0),
    });
    expect(run('file_permissions_sshd_private_key', f).result).toBe('FAIL');
  });
});
