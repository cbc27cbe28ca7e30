/**
 * Package manager, crypto policy, journal upload, default target, wireless, account locks and /var/log
 * ownership: roots built on disk (real files where a distribution ships one: RHEL 9's dnf.conf, systemd's
 * journal-upload.conf, libuser.conf), collected by the real agent, judged by the evaluators.
 */
import { chownSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Facts } from '../../../../../functions/core/facts/facts';
import { parseTelemetry } from '../../../../../functions/core/telemetry';
import type { BenchmarkId } from '../../../../../functions/rules/cis/data';
import type { Evaluator } from '../../../../../functions/rules/cis/evaluators';
import { SYSTEM_CONFIG_EVALUATORS } from '../../../../../functions/rules/cis/evaluators/system-config';
import { VAR_LOG_EVALUATORS } from '../../../../../functions/rules/cis/evaluators/var-log';
import {
  DEBIAN_JOURNAL_UPLOAD_CONF,
  DEBIAN_LIBUSER_CONF,
  RHEL_DNF_CONF,
} from '../../../../helpers/cis-material';
import { cleanupRoots, type RootSpec } from '../../../../helpers/fixture-root';
import { asLiveHost, type CollectOptions, collectRoot, evaluate, factsOf } from './harness';

afterAll(cleanupRoots);

const ALL: Record<string, Evaluator> = { ...SYSTEM_CONFIG_EVALUATORS, ...VAR_LOG_EVALUATORS };
const run = (
  rule: string,
  facts: Facts,
  benchmark: BenchmarkId = 'rhel9',
  variables: Record<string, string> = {},
) => evaluate(ALL[`rule:${rule}`]!, facts, rule, benchmark, variables);
const result = async (
  rule: string,
  spec: RootSpec,
  benchmark: BenchmarkId = 'rhel9',
  opts: CollectOptions = {},
) => run(rule, await factsOf(spec, opts), benchmark);

/** A repository definition in yum.conf(5)'s format, gpgcheck as given. */
const repo = (gpgcheck: string) =>
  `[baseos]\nname=BaseOS\nbaseurl=https://mirror.example.org/9/BaseOS/$basearch/os/\nenabled=1\ngpgcheck=${gpgcheck}\ngpgkey=file:///etc/pki/rpm-gpg/RPM-GPG-KEY-example\n`;

describe('dnf / yum', () => {
  it("gpgcheck in dnf.conf: RHEL 9's file passes; 0 or unset fails; AL2 reads yum.conf", async () => {
    expect(
      (await result('ensure_gpgcheck_globally_activated', { files: { '/etc/dnf/dnf.conf': RHEL_DNF_CONF } }))
        .result,
    ).toBe('PASS');
    const off = await result('ensure_gpgcheck_globally_activated', {
      files: { '/etc/dnf/dnf.conf': RHEL_DNF_CONF.replace('gpgcheck=1', 'gpgcheck=0') },
    });
    expect(off.result).toBe('FAIL');
    expect(off.evidence[0]).toMatchObject({ source: '/etc/dnf/dnf.conf', line: 2, value: 'gpgcheck=0' });
    expect(
      (
        await result('ensure_gpgcheck_globally_activated', {
          files: { '/etc/dnf/dnf.conf': '[main]\nbest=True\n' },
        })
      ).result,
    ).toBe('FAIL');
    expect(
      (
        await result(
          'ensure_gpgcheck_globally_activated',
          { files: { '/etc/yum.conf': RHEL_DNF_CONF } },
          'al2',
        )
      ).result,
    ).toBe('PASS');
    expect(
      (
        await result(
          'ensure_gpgcheck_globally_activated',
          { files: { '/etc/dnf/dnf.conf': RHEL_DNF_CONF } },
          'al2',
        )
      ).result,
    ).toBe('FAIL');
  });
  it('gpgcheck never disabled in /etc/yum.repos.d', async () => {
    expect(
      (await result('ensure_gpgcheck_never_disabled', { files: { '/etc/yum.repos.d/base.repo': repo('1') } }))
        .result,
    ).toBe('PASS');
    const f = await result('ensure_gpgcheck_never_disabled', {
      files: { '/etc/yum.repos.d/base.repo': repo('1'), '/etc/yum.repos.d/third.repo': repo('0') },
    });
    expect(f.result).toBe('FAIL');
    expect(f.evidence).toEqual([expect.objectContaining({ source: '/etc/yum.repos.d/third.repo', line: 5 })]);
    // No repository directory: nothing disables it.
    expect((await result('ensure_gpgcheck_never_disabled', { files: {} })).result).toBe('PASS');
  });
  it('repository credentials are redacted by the agent', async () => {
    const t = await collectRoot({
      files: {
        '/etc/yum.repos.d/private.repo': `${repo('1')}username=alice\npassword=hunter2\nproxy=http://bob:s3cret@proxy.example.org:3128\n`,
      },
    });
    const text = JSON.stringify(t.files['/etc/yum.repos.d/private.repo']);
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('s3cret');
    expect(text).toContain('password=<redacted>');
  });
  it('install_weak_deps', async () => {
    expect(
      (
        await result('disable_weak_deps', {
          files: { '/etc/dnf/dnf.conf': `${RHEL_DNF_CONF}install_weak_deps=False\n` },
        })
      ).result,
    ).toBe('PASS');
    // RHEL 9's file does not set it: dnf's default (True) applies.
    expect(
      (await result('disable_weak_deps', { files: { '/etc/dnf/dnf.conf': RHEL_DNF_CONF } })).result,
    ).toBe('FAIL');
    expect(
      (
        await result('disable_weak_deps', {
          files: { '/etc/dnf/dnf.conf': `${RHEL_DNF_CONF}install_weak_deps=1\n` },
        })
      ).result,
    ).toBe('FAIL');
  });
});

describe('crypto policy', () => {
  const applied = (config: string, current: string, nss = true): RootSpec => ({
    files: {
      '/etc/crypto-policies/config': config,
      '/etc/crypto-policies/state/current': current,
      ...(nss ? { '/etc/crypto-policies/back-ends/nss.config': 'config="disallow=ALL allow=TLS1.2"\n' } : {}),
    },
  });
  it('configure_crypto_policy (al2023: DEFAULT)', async () => {
    expect(
      (await result('configure_crypto_policy', applied('DEFAULT\n', 'DEFAULT\n'), 'al2023')).result,
    ).toBe('PASS');
    expect((await result('configure_crypto_policy', applied('LEGACY\n', 'LEGACY\n'), 'al2023')).result).toBe(
      'FAIL',
    );
    // Config changed but update-crypto-policies not run.
    expect((await result('configure_crypto_policy', applied('DEFAULT\n', 'LEGACY\n'), 'al2023')).result).toBe(
      'FAIL',
    );
    expect(
      (await result('configure_crypto_policy', applied('DEFAULT\n', 'DEFAULT\n', false), 'al2023')).result,
    ).toBe('FAIL');
    expect((await result('configure_crypto_policy', { files: {} }, 'al2023')).result).toBe('FAIL');
  });
  it('configure_ssh_crypto_policy', async () => {
    expect(
      (
        await result('configure_ssh_crypto_policy', {
          files: { '/etc/sysconfig/sshd': '# Configuration file for the sshd service.\n' },
        })
      ).result,
    ).toBe('PASS');
    expect((await result('configure_ssh_crypto_policy', { files: {} })).result).toBe('PASS');
    expect(
      (await result('configure_ssh_crypto_policy', { files: { '/etc/sysconfig/sshd': 'CRYPTO_POLICY=\n' } }))
        .result,
    ).toBe('FAIL');
  });
});

describe('systemd-journal-upload', () => {
  const dropin =
    '[Upload]\nURL=https://logs.example.org:19532\nServerKeyFile=/etc/ssl/private/journal-upload.pem\nServerCertificateFile=/etc/ssl/certs/journal-upload.pem\nTrustedCertificateFile=/etc/ssl/ca/trusted.pem\n';
  it("systemd's file (all commented) fails; a drop-in setting them passes; a run's site value is compared", async () => {
    const stock = await factsOf({
      files: { '/etc/systemd/journal-upload.conf': DEBIAN_JOURNAL_UPLOAD_CONF },
    });
    expect(run('systemd_journal_upload_url', stock, 'debian12').result).toBe('FAIL');
    expect(run('systemd_journal_upload_server_tls', stock, 'debian12').result).toBe('FAIL');
    const set = await factsOf({
      files: {
        '/etc/systemd/journal-upload.conf': DEBIAN_JOURNAL_UPLOAD_CONF,
        '/etc/systemd/journal-upload.conf.d/60-cis.conf': dropin,
      },
    });
    expect(run('systemd_journal_upload_url', set, 'debian12').result).toBe('PASS');
    expect(run('systemd_journal_upload_server_tls', set, 'debian12').result).toBe('PASS');
    expect(
      run('systemd_journal_upload_url', set, 'debian12', {
        var_journal_upload_url: 'https://other.example.org',
      }).result,
    ).toBe('FAIL');
  });
});

describe('libuser, default target, root password, system accounts, opasswd', () => {
  it("libuser.conf: Debian's yescrypt passes with yescrypt selected, fails for sha512", async () => {
    const f = await factsOf({ files: { '/etc/libuser.conf': DEBIAN_LIBUSER_CONF } });
    expect(
      run('set_password_hashing_algorithm_libuserconf', f, 'rhel9', {
        var_password_hashing_algorithm_pam: 'yescrypt',
      }).result,
    ).toBe('PASS');
    expect(
      run('set_password_hashing_algorithm_libuserconf', f, 'rhel9', {
        var_password_hashing_algorithm_pam: 'sha512',
      }).result,
    ).toBe('FAIL');
  });
  it('default.target', async () => {
    const t = (target: string) =>
      result('xwindows_runlevel_target', {
        symlinks: { '/etc/systemd/system/default.target': target },
        files: {
          '/usr/lib/systemd/system/multi-user.target': '[Unit]\n',
          '/usr/lib/systemd/system/graphical.target': '[Unit]\n',
        },
      });
    expect((await t('/usr/lib/systemd/system/multi-user.target')).result).toBe('PASS');
    expect((await t('/usr/lib/systemd/system/graphical.target')).result).toBe('FAIL');
    expect((await result('xwindows_runlevel_target', { files: {} })).result).toBe('FAIL');
  });
  const HASH =
    '$6$saltsalt$abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuv';
  const PASSWD =
    'root:x:0:0:root:/root:/bin/bash\nbin:x:1:1:bin:/bin:/sbin/nologin\nsync:x:5:0:sync:/sbin:/bin/sync\nalice:x:1000:1000::/home/alice:/bin/bash\n';
  const shadowed = (root: string, bin: string) => ({
    files: {
      '/etc/passwd': PASSWD,
      '/etc/shadow': {
        content: `root:${root}:19800:0:99999:7:::\nbin:${bin}:19800:0:99999:7:::\nsync:*:19800:0:99999:7:::\nalice:${HASH}:19800:0:99999:7:::\n`,
        mode: 0o000,
      },
    },
  });
  it('root password and locked system accounts', async () => {
    const good = await factsOf(shadowed(HASH, '*'));
    expect(run('ensure_root_password_configured', good).result).toBe('PASS');
    expect(run('no_password_auth_for_systemaccounts', good).result).toBe('PASS');
    const bad = await factsOf(shadowed('!', HASH));
    expect(run('ensure_root_password_configured', bad).result).toBe('FAIL');
    const b = run('no_password_auth_for_systemaccounts', bad);
    expect(b.result).toBe('FAIL');
    expect(b.evidence.map((e) => e.key)).toEqual(['bin']);
    expect(run('no_password_auth_for_systemaccounts', await factsOf(shadowed(HASH, ''))).result).toBe('FAIL');
  });
  it('/etc/security/opasswd root:root 0600', async () => {
    expect(
      (
        await result('file_etc_security_opasswd', {
          files: { '/etc/security/opasswd': { content: '', mode: 0o600 } },
        })
      ).result,
    ).toBe('PASS');
    expect(
      (
        await result('file_etc_security_opasswd', {
          files: { '/etc/security/opasswd': { content: '', mode: 0o644 } },
        })
      ).result,
    ).toBe('FAIL');
    expect((await result('file_etc_security_opasswd', { files: {} })).result).toBe('FAIL');
  });
});

describe('wireless interfaces', () => {
  const base = async () => collectRoot({ files: {} });
  it('an image: NOT_APPLICABLE with the reason', async () => {
    const r = run('wireless_disable_interfaces', new Facts(await base()));
    expect(r.result).toBe('NOT_APPLICABLE');
    expect(r.message).toMatch(/not a live host/);
  });
  it('a live host: wl* interfaces judged on IFF_UP in their flags', async () => {
    const t = await base();
    const live = (flags: string | undefined) =>
      new Facts(
        parseTelemetry({
          ...t,
          root: '/',
          listings: {
            ...t.listings,
            '/sys/class/net': {
              status: 'ok',
              total: 2,
              truncated: false,
              entries: [
                {
                  name: 'eth0',
                  type: 'symlink',
                  mode: 0o120777,
                  uid: 0,
                  gid: 0,
                  target: '../../devices/pci0000:00/net/eth0',
                },
                ...(flags
                  ? [
                      {
                        name: 'wlp2s0',
                        type: 'symlink' as const,
                        mode: 0o120777,
                        uid: 0,
                        gid: 0,
                        target: '../../devices/pci0000:00/net/wlp2s0',
                      },
                    ]
                  : []),
              ],
            },
          },
          files: {
            ...t.files,
            ...(flags
              ? {
                  '/sys/class/net/wlp2s0/flags': {
                    status: 'ok',
                    encoding: 'utf8',
                    content: `${flags}\n`,
                    size: 7,
                    mode: 0o100444,
                    uid: 0,
                    gid: 0,
                  },
                }
              : {}),
          },
        }),
      );
    expect(run('wireless_disable_interfaces', live('0x1003')).result).toBe('FAIL');
    expect(run('wireless_disable_interfaces', live('0x1002')).result).toBe('PASS');
    expect(run('wireless_disable_interfaces', live(undefined)).result).toBe('NOT_APPLICABLE');
  });
});

describe('/var/log ownership (Debian 12, Ubuntu)', () => {
  const isRoot = process.getuid?.() === 0;
  const spec: RootSpec = {
    files: {
      '/etc/passwd':
        'root:x:0:0:root:/root:/bin/bash\nsyslog:x:104:111::/home/syslog:/usr/sbin/nologin\nalice:x:1000:1000::/home/alice:/bin/bash\n',
      '/etc/group': 'root:x:0:\nadm:x:4:syslog\nalice:x:1000:\n',
      '/etc/shells': '/bin/sh\n/bin/bash\n',
      '/var/log/dpkg.log': 'x',
      '/var/log/apt/history.log': 'x',
      '/var/log/nginx/access.log': 'x',
      '/var/log/auth.log': 'x',
    },
  };
  const owned = (uid: number, gid: number) => (root: string) => {
    chownSync(path.join(root, 'var/log/nginx/access.log'), uid, gid);
    chownSync(path.join(root, 'var/log/auth.log'), 1000, 1000); // judged by its own rule, excluded here
  };
  it.runIf(isRoot)('root/syslog owners and root/adm groups pass; a user-owned log fails', async () => {
    expect(
      (await result('file_ownerships_var_log', spec, 'debian12', { prepare: owned(104, 4) })).result,
    ).toBe('PASS');
    expect(
      (await result('file_groupownerships_var_log', spec, 'debian12', { prepare: owned(0, 4) })).result,
    ).toBe('PASS');
    const f = await result('file_ownerships_var_log', spec, 'debian12', { prepare: owned(1000, 4) });
    expect(f.result).toBe('FAIL');
    expect(f.evidence.map((e) => e.source)).toEqual(['/var/log/nginx/access.log']);
    expect(
      (await result('file_groupownerships_var_log', spec, 'debian12', { prepare: owned(0, 1000) })).result,
    ).toBe('FAIL');
  });
  it.runIf(isRoot)('Ubuntu also accepts a system account (shell not in /etc/shells)', async () => {
    // syslog's uid 104 has /usr/sbin/nologin: a system account.
    const withDaemon = {
      ...spec,
      files: {
        ...spec.files,
        '/etc/passwd': `${spec.files!['/etc/passwd']}www-data:x:33:33::/var/www:/usr/sbin/nologin\n`,
      },
    };
    expect(
      (await result('file_ownerships_var_log', withDaemon, 'ubuntu2204', { prepare: owned(33, 33) })).result,
    ).toBe('PASS');
    expect(
      (await result('file_ownerships_var_log', withDaemon, 'debian12', { prepare: owned(33, 4) })).result,
    ).toBe('FAIL');
  });
});

describe('runtime-only: journald with rsyslog, MTA listeners; audit -c', () => {
  const units = (lines: string) => ({
    'systemctl-units': {
      status: 'ok' as const,
      argv: ['systemctl', 'list-units', '--all', '--no-pager', '--no-legend'],
      exitCode: 0,
      stdout: lines,
      stderr: '',
    },
  });
  it('journald and rsyslog: both active FAIL, one PASS, image NOT_APPLICABLE', async () => {
    const t = await collectRoot({ files: {} });
    const both = asLiveHost(
      t,
      units(
        'systemd-journald.service loaded active running Journal Service\nrsyslog.service loaded active running System Logging Service\n',
      ),
    );
    expect(run('ensure_journald_and_rsyslog_not_active_together', both).result).toBe('FAIL');
    const one = asLiveHost(t, units('systemd-journald.service loaded active running Journal Service\n'));
    expect(run('ensure_journald_and_rsyslog_not_active_together', one).result).toBe('PASS');
    expect(run('ensure_journald_and_rsyslog_not_active_together', new Facts(t)).result).toBe(
      'NOT_APPLICABLE',
    );
  });
  it('an MTA on a non-loopback address fails; loopback passes; an image is NOT_APPLICABLE', async () => {
    const t = await collectRoot({ files: {} });
    const at = new Date().toISOString();
    const live = (address: string, port: number) =>
      new Facts(
        parseTelemetry({
          ...t,
          root: '/',
          runtime: {
            ...t.runtime!,
            proc: { status: 'ok' },
            listeners: [
              {
                protocol: 'tcp',
                address,
                port,
                processes: [],
                accepted: 0,
                firstSeen: at,
                lastSeen: at,
                samples: 1,
              },
              {
                protocol: 'tcp6',
                address: '::',
                port: 22,
                processes: [],
                accepted: 0,
                firstSeen: at,
                lastSeen: at,
                samples: 1,
              },
            ],
          },
        }),
      );
    expect(run('has_nonlocal_mta', live('0.0.0.0', 25)).result).toBe('FAIL');
    expect(run('has_nonlocal_mta', live('127.0.0.1', 25)).result).toBe('PASS');
    // Submission port: judged on Ubuntu and RHEL, not on Debian (upstream's product list).
    expect(run('has_nonlocal_mta', live('0.0.0.0', 587), 'ubuntu2204').result).toBe('FAIL');
    expect(run('has_nonlocal_mta', live('0.0.0.0', 587), 'debian12').result).toBe('PASS');
    expect(run('has_nonlocal_mta', new Facts(t)).result).toBe('NOT_APPLICABLE');
  });
  it('audit_rules_continue_loading', async () => {
    expect(
      (
        await result(
          'audit_rules_continue_loading',
          { files: { '/etc/audit/rules.d/10-base-config.rules': '-D\n-b 8192\n-c\n' } },
          'rhel8',
        )
      ).result,
    ).toBe('PASS');
    expect(
      (
        await result(
          'audit_rules_continue_loading',
          { files: { '/etc/audit/rules.d/10-base-config.rules': '-D\n-b 8192\n-f 1\n' } },
          'rhel8',
        )
      ).result,
    ).toBe('FAIL');
  });
});
