/**
 * Home directories, dot files, root's umask and root's PATH: roots built on disk with Debian 12's real
 * start-up files (/etc/skel, base-files' root .bashrc/.profile), collected by the real agent, judged by the
 * evaluators; owners set with chown (the tests run as root in CI; a non-root run skips the ownership cases).
 */
import { chmodSync, chownSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Collector } from '../../../../../agent/collect';
import { parseMountsForWalk } from '../../../../../agent/fs-walk';
import { RootFs } from '../../../../../agent/root-fs';
import { collectUserEnvironment, homesOf, remoteMountOf } from '../../../../../agent/user-environment';
import { Facts } from '../../../../../functions/core/facts/facts';
import { parseTelemetry, type Telemetry } from '../../../../../functions/core/telemetry';
import { USER_ENVIRONMENT_EVALUATORS } from '../../../../../functions/rules/cis/evaluators/user-environment';
import { DEBIAN_ROOT_BASHRC, DEBIAN_ROOT_PROFILE, DEBIAN_SKEL } from '../../../../helpers/cis-material';
import { cleanupRoots } from '../../../../helpers/fixture-root';
import { collectRoot, evaluate } from './harness';

afterAll(cleanupRoots);

const E = USER_ENVIRONMENT_EVALUATORS as Record<
  string,
  (typeof USER_ENVIRONMENT_EVALUATORS)['rule:no_forward_files']
>;
const run = (rule: string, facts: Facts, benchmark: 'debian12' | 'rhel8' = 'debian12') =>
  evaluate(E[`rule:${rule}`]!, facts, rule, benchmark);

const isRoot = process.getuid?.() === 0;

/** Debian 12's /etc/passwd shape: system accounts, nobody, one interactive user (alice, 1000). */
const PASSWD = [
  'root:x:0:0:root:/root:/bin/bash',
  'daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin',
  'www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin',
  'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin',
  'alice:x:1000:1000:Alice,,,:/home/alice:/bin/bash',
  'svc:x:1001:1001::/home/svc:/usr/sbin/nologin',
  '',
].join('\n');

const skel = (home: string, mode = 0o644) =>
  Object.fromEntries(Object.entries(DEBIAN_SKEL).map(([n, c]) => [`${home}/${n}`, { content: c, mode }]));

interface Shape {
  homeMode?: number;
  dotMode?: number;
  extra?: Record<string, string | { content: string; mode?: number }>;
  owner?: { uid: number; gid: number };
  dotOwner?: { uid: number; gid: number };
  noHome?: boolean;
  passwd?: string;
}

async function shaped(s: Shape = {}): Promise<Telemetry> {
  return collectRoot(
    {
      files: {
        '/etc/passwd': s.passwd ?? PASSWD,
        '/root/.bashrc': DEBIAN_ROOT_BASHRC,
        '/root/.profile': DEBIAN_ROOT_PROFILE,
        ...(s.noHome ? {} : skel('/home/alice', s.dotMode)),
        ...(s.extra ?? {}),
      },
      dirs: { '/root': 0o700, ...(s.noHome ? {} : { '/home/alice': s.homeMode ?? 0o750 }) },
    },
    {
      prepare: (root) => {
        if (s.noHome || !isRoot) return;
        const home = path.join(root, 'home/alice');
        const o = s.owner ?? { uid: 1000, gid: 1000 };
        chownSync(home, o.uid, o.gid);
        chmodSync(home, s.homeMode ?? 0o750);
        const d = s.dotOwner ?? { uid: 1000, gid: 1000 };
        for (const n of Object.keys(DEBIAN_SKEL)) chownSync(path.join(home, n), d.uid, d.gid);
        for (const p of Object.keys(s.extra ?? {}))
          if (p.startsWith('/home/alice/')) chownSync(path.join(root, p), d.uid, d.gid);
      },
    },
  );
}

describe('agent: home directories and dot files', () => {
  it('homesOf keeps passwd order, merges shared homes, skips relative homes and NIS lines', () => {
    const h = homesOf(
      `${PASSWD}+::::::\nweird:x:1002:1002::relative:/bin/sh\nbob:x:1003:1003::/home/alice/:/bin/sh\n`,
    );
    expect([...h.keys()]).toEqual([
      '/root',
      '/usr/sbin',
      '/var/www',
      '/nonexistent',
      '/home/alice',
      '/home/svc',
    ]);
    expect(h.get('/home/alice')).toEqual(['alice', 'bob']);
  });

  it('records dot entries with owner and mode, never contents, and root umask lines only', async () => {
    const t = await shaped({
      extra: {
        '/home/alice/notes.txt': 'not a dot file',
        '/home/alice/.netrc': { content: 'machine x login y password SECRET', mode: 0o600 },
      },
    });
    const u = t.userEnvironment!;
    expect(u.homes.status).toBe('ok');
    if (u.homes.status !== 'ok') return;
    const alice = u.homes.entries.find((h) => h.path === '/home/alice')!;
    expect(alice.dotEntries.map((e) => e.name)).toEqual(['.bash_logout', '.bashrc', '.netrc', '.profile']);
    expect(alice.dotTotal).toBe(4);
    expect(u.homes.entries.find((h) => h.path === '/nonexistent')!.stat.status).toBe('missing');
    expect(JSON.stringify(t.userEnvironment)).not.toContain('SECRET');
    // Only the commented "# umask 022" of base-files' .bashrc leaves the host.
    expect(u.rootUmaskLines).toEqual([
      {
        path: '/root/.bashrc',
        file: {
          status: 'ok',
          lines: [
            { line: 6, text: '# umask 022' },
            { line: 3, text: '# Note: PS1 and umask are already set in /etc/profile. You should not' },
          ].sort((a, b) => a.line - b.line),
          truncated: false,
        },
      },
      { path: '/root/.profile', file: { status: 'ok', lines: [], truncated: false } },
    ]);
    expect(u.agentPath.status).toBe('missing');
  });

  it('homes on network, FUSE or automounted file systems are not looked at (a stat could hang or mount)', () => {
    const mounts = parseMountsForWalk(
      '/dev/vda1 / ext4 rw 0 0\nauto.home /home autofs rw 0 0\nfiler:/export/home/bob /home/bob nfs4 rw 0 0\n/dev/vdb1 /home/local ext4 rw 0 0\n',
    );
    expect(remoteMountOf(mounts, '/home/bob')?.fsType).toBe('nfs4');
    expect(remoteMountOf(mounts, '/home/alice')?.fsType).toBe('autofs');
    expect(remoteMountOf(mounts, '/home/local/carol')).toBeUndefined();
    expect(remoteMountOf(mounts, '/root')).toBeUndefined();
    expect(remoteMountOf(mounts, '/homework')).toBeUndefined();
  });

  it('caps dot entries per home and says how many there were', async () => {
    const many = Object.fromEntries(
      Array.from({ length: 130 }, (_, i) => [`/home/alice/.f${String(i).padStart(3, '0')}`, 'x']),
    );
    const t = await shaped({ extra: many });
    const u = t.userEnvironment!;
    if (u.homes.status !== 'ok') throw new Error('homes not collected');
    const alice = u.homes.entries.find((h) => h.path === '/home/alice')!;
    expect(alice.dotEntries).toHaveLength(128);
    expect(alice.dotTotal).toBe(133);
    // A rule that needs every dot file says it could not judge the rest; one that found a failure says so.
    expect(run('no_netrc_files', new Facts(t)).result).toBe('ERROR');
  });

  it('a root without /etc/passwd: homes not collected, the rules ERROR', async () => {
    const t = await collectRoot({ files: { '/etc/group': 'root:x:0:\n' } });
    expect(t.userEnvironment!.homes.status).toBe('missing');
    expect(run('file_permissions_home_directories', new Facts(t)).result).toBe('ERROR');
  });

  it('telemetry from an agent without the section: ERROR naming the old agent', async () => {
    const t = await shaped();
    const { userEnvironment: _u, ...old } = t;
    const r = run('no_forward_files', new Facts(parseTelemetry(old)));
    expect(r.result).toBe('ERROR');
    expect(r.message).toMatch(/not collected/);
  });
});

describe.runIf(isRoot)('home directory rules (Debian 12 skel files)', () => {
  it.each([
    ['file_permissions_home_directories', { homeMode: 0o750 }, { homeMode: 0o755 }],
    ['file_ownership_home_directories', {}, { owner: { uid: 1001, gid: 1000 } }],
    ['file_groupownership_home_directories', {}, { owner: { uid: 1000, gid: 0 } }],
    ['accounts_user_interactive_home_directory_exists', {}, { noHome: true }],
    ['accounts_user_dot_user_ownership', {}, { dotOwner: { uid: 0, gid: 1000 } }],
    ['accounts_user_dot_group_ownership', {}, { dotOwner: { uid: 1000, gid: 0 } }],
    // skel's .bashrc and .profile are 0644 as copied: others can read them.
    ['file_permission_user_init_files', { dotMode: 0o640 }, { dotMode: 0o644 }],
  ] as Array<[string, Shape, Shape]>)('%s: PASS and FAIL', async (rule, good, bad) => {
    const p = run(rule, new Facts(await shaped(good)));
    expect(p.result, p.message).toBe('PASS');
    const f = run(rule, new Facts(await shaped(bad)));
    expect(f.result, f.message).toBe('FAIL');
    expect(f.evidence.length).toBeGreaterThan(0);
  });

  it('bash history and .netrc modes', async () => {
    const ok = await shaped({
      extra: {
        '/home/alice/.bash_history': { content: 'ls\n', mode: 0o600 },
        '/home/alice/.netrc': { content: 'x', mode: 0o600 },
      },
    });
    expect(run('file_permission_user_bash_history', new Facts(ok)).result).toBe('PASS');
    expect(run('accounts_users_netrc_file_permissions', new Facts(ok)).result).toBe('PASS');
    const bad = await shaped({
      extra: {
        '/home/alice/.bash_history': { content: 'ls\n', mode: 0o640 },
        '/home/alice/.netrc': { content: 'x', mode: 0o644 },
      },
    });
    expect(run('file_permission_user_bash_history', new Facts(bad)).result).toBe('FAIL');
    expect(run('accounts_users_netrc_file_permissions', new Facts(bad)).result).toBe('FAIL');
    // No such file: nothing to fix.
    const none = await shaped();
    expect(run('file_permission_user_bash_history', new Facts(none)).result).toBe('PASS');
  });

  it('forbidden files: .forward, .netrc, .rhosts/.shosts, hosts.equiv', async () => {
    const clean = new Facts(await shaped());
    for (const r of ['no_forward_files', 'no_netrc_files', 'no_rsh_trust_files', 'no_rhost_files'])
      expect(run(r, clean).result, r).toBe('PASS');
    const dirty = new Facts(
      await shaped({
        extra: {
          '/home/alice/.forward': 'me@example.org\n',
          '/home/alice/.netrc': 'x',
          '/root/.rhosts': '+ +\n',
          '/etc/hosts.equiv': '+\n',
        },
      }),
    );
    for (const r of ['no_forward_files', 'no_netrc_files', 'no_rsh_trust_files', 'no_rhost_files'])
      expect(run(r, dirty).result, r).toBe('FAIL');
    expect(run('no_rsh_trust_files', dirty).evidence.map((e) => e.source)).toEqual([
      '/root/.rhosts',
      '/etc/hosts.equiv',
    ]);
    // A nologin user's .forward is not an interactive user's (ComplianceAsCode's test interactive_user_nologin_ignored).
    const svc = new Facts(await shaped({ extra: { '/home/svc/.forward': 'x' } }));
    expect(run('no_forward_files', svc).result).toBe('PASS');
  });
});

describe('NOT_APPLICABLE without interactive users', () => {
  it('only system accounts', async () => {
    const t = await shaped({
      passwd: PASSWD.split('\n')
        .filter((l) => !l.startsWith('alice'))
        .join('\n'),
      noHome: true,
    });
    for (const r of [
      'file_permissions_home_directories',
      'accounts_user_interactive_home_directory_exists',
      'accounts_user_dot_user_ownership',
    ])
      expect(run(r, new Facts(t)).result, r).toBe('NOT_APPLICABLE');
  });
});

describe('accounts_umask_root', () => {
  it("Debian's root files (commented umask) pass; a lenient umask fails; stricter passes", async () => {
    expect(run('accounts_umask_root', new Facts(await shaped())).result).toBe('PASS');
    const bad = await shaped({ extra: { '/root/.bashrc': `${DEBIAN_ROOT_BASHRC}umask 022\n` } });
    const f = run('accounts_umask_root', new Facts(bad));
    expect(f.result).toBe('FAIL');
    expect(f.evidence[0]).toMatchObject({ source: '/root/.bashrc', value: 'umask 022' });
    const good = await shaped({ extra: { '/root/.profile': `${DEBIAN_ROOT_PROFILE}umask 027\n` } });
    expect(run('accounts_umask_root', new Facts(good)).result).toBe('PASS');
  });
});

describe("root's PATH (the agent's own environment on a live host)", () => {
  /** The agent's user-environment collection on this machine's real root, with PATH set for the case. */
  async function livePath(value: string): Promise<Facts> {
    const base = await shaped();
    const saved = process.env.PATH;
    process.env.PATH = value;
    try {
      const c = new Collector(new RootFs('/'));
      const passwd = await c.file('/etc/passwd');
      const env = await collectUserEnvironment(c, passwd);
      return new Facts(
        parseTelemetry({
          ...base,
          root: '/',
          userEnvironment: { ...base.userEnvironment!, agentPath: env.agentPath },
        }),
      );
    } finally {
      process.env.PATH = saved;
    }
  }
  it.runIf(isRoot)('standard directories pass all three', async () => {
    const f = await livePath('/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
    for (const r of ['root_path_no_dot', 'root_path_all_dirs', 'accounts_root_path_dirs_no_write'])
      expect(run(r, f).result, r).toBe('PASS');
  });
  it.runIf(isRoot)('".", an empty entry, a missing directory and /tmp fail', async () => {
    expect(run('root_path_no_dot', await livePath('/usr/bin:.:/bin')).result).toBe('FAIL');
    expect(run('root_path_no_dot', await livePath('/usr/bin::/bin')).result).toBe('FAIL');
    expect(run('root_path_no_dot', await livePath('/usr/bin:bin')).result).toBe('FAIL');
    expect(run('root_path_all_dirs', await livePath('/usr/bin:/nonexistent-inspector-dir')).result).toBe(
      'FAIL',
    );
    expect(run('root_path_all_dirs', await livePath('/usr/bin:/etc/passwd')).result).toBe('FAIL');
    const w = run('accounts_root_path_dirs_no_write', await livePath('/usr/bin:/tmp'));
    expect(w.result).toBe('FAIL');
    expect(w.evidence[0]).toMatchObject({ key: '/tmp', value: '01777' });
  });
  it('an image (--root): NOT_APPLICABLE with the reason', async () => {
    const f = new Facts(await shaped());
    for (const r of ['root_path_no_dot', 'root_path_all_dirs', 'accounts_root_path_dirs_no_write']) {
      const o = run(r, f);
      expect(o.result, r).toBe('NOT_APPLICABLE');
      expect(o.message).toMatch(/not a live host/);
    }
  });
  it('an agent not running as root: NOT_APPLICABLE', async () => {
    const base = await shaped();
    const f = new Facts(
      parseTelemetry({
        ...base,
        root: '/',
        userEnvironment: {
          ...base.userEnvironment!,
          agentPath: { status: 'ok', uid: 1000, value: '/usr/bin', directories: [], truncated: false },
        },
      }),
    );
    expect(run('root_path_no_dot', f).message).toMatch(/uid 1000, not root/);
  });
});
