/**
 * The single-benchmark hand-written rules (single-hand.ts) on real file contents: Debian 12's rsyslog.conf
 * and systemd 252 emergency/rescue units, the authselect RHEL 9 PAM stacks (test/fixtures/config/README.md),
 * with the lines ComplianceAsCode's own tests of these rules write (cited per case).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Telemetry } from '../../../../../functions/core/telemetry';
import type { BenchmarkId } from '../../../../../functions/rules/cis/data';
import {
  rsyslogRemoteForward,
  SINGLE_HAND_EVALUATORS,
} from '../../../../../functions/rules/cis/evaluators/single-hand';
import { configFixture, DEBIAN_RSYSLOG_CONF } from '../../../../helpers/cis-material';
import { writeProcess, writeSockets } from '../../../../helpers/fixture-proc';
import { cleanupRoots, type RootSpec } from '../../../../helpers/fixture-root';
import { asLiveHost, collectRoot, evaluate, factsOf } from './harness';

afterAll(cleanupRoots);

const run = async (
  rule: string,
  spec: RootSpec,
  benchmark: BenchmarkId,
  variables: Record<string, string> = {},
) => {
  const key = rule === 'configure_custom_crypto_policy_cis' ? 'crypto_sub_policies' : `rule:${rule}`;
  return evaluate(SINGLE_HAND_EVALUATORS[key]!, await factsOf(spec), rule, benchmark, variables);
};

describe('rsyslog_remote_loghost (al2023)', () => {
  // ComplianceAsCode tests/remote_configured*.pass.sh and line_commented.fail.sh.
  const LEGACY = '*.* @@192.168.122.1:5000\n';
  const RAINER =
    '*.* action(type="omfwd" queue.type="linkedlist" queue.filename="example_fwd" action.resumeRetryCount="-1" queue.saveOnShutdown="on" target="192.168.122.1" port="30514" protocol="tcp")\n';
  const MULTILINE =
    '*.* action(type="omfwd"\nqueue.type="linkedlist"\nqueue.filename="example_fwd"\naction.resumeRetryCount="-1"\nqueue.saveOnShutdown="on"\ntarget="192.168.122.1"\nport="30514"\nprotocol="tcp")\n';
  it.each([
    ['legacy @@host', LEGACY, 3],
    ['omfwd action', RAINER, 3],
    ['omfwd action over several lines', MULTILINE, 3],
    ['RELP', '*.* :omrelp:192.168.122.1:2514\n', 3],
  ])('%s is a forwarding', (_l, text, line) => {
    expect(rsyslogRemoteForward(`# a\n\n${text}`)?.line).toBe(line);
  });
  it.each([
    ['commented', `# ${LEGACY}`],
    ['another selector', 'auth.* @@192.168.122.1:5000\n'],
    ['an omfile action', '*.* action(type="omfile" file="/var/log/all")\n'],
    ['omfwd without target', '*.* action(type="omfwd" port="514")\n'],
  ])('%s is not', (_l, text) => {
    expect(rsyslogRemoteForward(text)).toBeUndefined();
  });
  it('fail on Debian 12’s rsyslog.conf; pass with a drop-in; NOT_APPLICABLE without rsyslog', async () => {
    const shipped = await run(
      'rsyslog_remote_loghost',
      { files: { '/etc/rsyslog.conf': DEBIAN_RSYSLOG_CONF } },
      'al2023',
    );
    expect(shipped.result).toBe('FAIL');
    const fwd = await run(
      'rsyslog_remote_loghost',
      { files: { '/etc/rsyslog.conf': DEBIAN_RSYSLOG_CONF, '/etc/rsyslog.d/60-remote.conf': MULTILINE } },
      'al2023',
    );
    expect(fwd.result).toBe('PASS');
    expect(fwd.evidence[0]).toMatchObject({ source: '/etc/rsyslog.d/60-remote.conf', line: 1 });
    expect((await run('rsyslog_remote_loghost', { files: { '/etc/hostname': 'h' } }, 'al2023')).result).toBe(
      'NOT_APPLICABLE',
    );
  });
});

describe('configure_custom_crypto_policy_cis (crypto_sub_policies)', () => {
  // The module lines ComplianceAsCode's template test correct.pass.sh writes for rhel8.
  const MODULES: Record<string, string> = {
    '/etc/crypto-policies/policies/modules/NO-SSHCBC.pmod': 'cipher@SSH = -*-CBC\n',
    '/etc/crypto-policies/policies/modules/NO-SSHWEAKCIPHERS.pmod':
      'cipher@SSH = -3DES-CBC -AES-128-CBC -AES-192-CBC -AES-256-CBC -CHACHA20-POLY1305\n',
    '/etc/crypto-policies/policies/modules/NO-SSHWEAKMACS.pmod':
      'mac@SSH = -HMAC-MD5* -UMAC-64* -UMAC-128*\n',
    '/etc/crypto-policies/policies/modules/NO-WEAKMAC.pmod': 'mac = -*-128*\n',
  };
  const CONFIG = 'DEFAULT:NO-SHA1:NO-SSHCBC:NO-SSHWEAKCIPHERS:NO-SSHWEAKMACS:NO-WEAKMAC\n';
  it('pass: every module written and applied', async () => {
    const r = await run(
      'configure_custom_crypto_policy_cis',
      { files: { ...MODULES, '/etc/crypto-policies/config': CONFIG } },
      'rhel8',
    );
    expect(r.result).toBe('PASS');
  });
  it('fail: the shipped DEFAULT policy, a module missing, a wrong line, or modules not applied', async () => {
    const d = await run(
      'configure_custom_crypto_policy_cis',
      { files: { '/etc/crypto-policies/config': 'DEFAULT\n' } },
      'rhel8',
    );
    expect(d.result).toBe('FAIL');
    expect(d.message).toMatch(/NO-SSHCBC.pmod does not exist/);
    expect(d.recommendation).toMatch(
      /update-crypto-policies --set DEFAULT:NO-SHA1:NO-SSHCBC:NO-SSHWEAKCIPHERS/,
    );
    const { '/etc/crypto-policies/policies/modules/NO-WEAKMAC.pmod': _w, ...three } = MODULES;
    expect(
      (
        await run(
          'configure_custom_crypto_policy_cis',
          { files: { ...three, '/etc/crypto-policies/config': CONFIG } },
          'rhel8',
        )
      ).message,
    ).toMatch(/NO-WEAKMAC.pmod does not exist/);
    const wrong = await run(
      'configure_custom_crypto_policy_cis',
      {
        files: {
          ...MODULES,
          '/etc/crypto-policies/policies/modules/NO-SSHCBC.pmod': 'cipher@SSH = -AES-128-CBC\n',
          '/etc/crypto-policies/config': CONFIG,
        },
      },
      'rhel8',
    );
    expect(wrong.message).toMatch(/NO-SSHCBC.pmod has no "cipher@SSH = -\*-CBC"/);
    const notSet = await run(
      'configure_custom_crypto_policy_cis',
      { files: { ...MODULES, '/etc/crypto-policies/config': 'DEFAULT:NO-SHA1\n' } },
      'rhel8',
    );
    expect(notSet.message).toMatch(/does not apply NO-SSHCBC, NO-SSHWEAKCIPHERS, NO-SSHWEAKMACS, NO-WEAKMAC/);
  });
  it('rhel9: NO-RPMSHA1 is needed only where the rpm-sequoia back-end exists', async () => {
    const files = { ...MODULES, '/etc/crypto-policies/config': CONFIG };
    expect((await run('configure_custom_crypto_policy_cis', { files }, 'rhel9')).result).toBe('PASS');
    const sequoia = { ...files, '/etc/crypto-policies/back-ends/rpm-sequoia.config': '[hash_algorithms]\n' };
    expect((await run('configure_custom_crypto_policy_cis', { files: sequoia }, 'rhel9')).message).toMatch(
      /NO-RPMSHA1.pmod does not exist/,
    );
  });
});

describe('ensure_redhat_gpgkey_installed', () => {
  const OS = (id: string, name: string) => `NAME="${name}"\nID="${id}"\nVERSION_ID="9.4"\n`;
  // The agent's rpm -qa query format: name, epoch, version, release, arch, source rpm, modularity label.
  const rpmLine = (v: string, r: string) => `gpg-pubkey\t(none)\t${v}\t${r}\t(none)\t(none)\t(none)`;
  const withRpm = (t: Telemetry, lines: string[]): Telemetry => ({
    ...t,
    commands: {
      ...t.commands,
      rpm: {
        status: 'ok',
        argv: ['rpm', '-qa'],
        exitCode: 0,
        stdout: `${['bash\t(none)\t5.1.8\t9.el9\tx86_64\tbash-5.1.8-9.el9.src.rpm\t(none)', ...lines].join('\n')}\n`,
        stderr: '',
      },
    },
  });
  const judge = async (id: string, name: string, lines: string[]) =>
    evaluate(
      SINGLE_HAND_EVALUATORS['rule:ensure_redhat_gpgkey_installed']!,
      asLiveHost(withRpm(await collectRoot({ files: { '/etc/os-release': OS(id, name) } }), lines)),
      'ensure_redhat_gpgkey_installed',
      'rhel9',
    );
  it('pass with both keys, fail with one, not applicable on Rocky', async () => {
    const both = [rpmLine('fd431d51', '4ae0493b'), rpmLine('5a6340b3', '6229229e')];
    expect((await judge('rhel', 'Red Hat Enterprise Linux', both)).result).toBe('PASS');
    const one = await judge('rhel', 'Red Hat Enterprise Linux', both.slice(0, 1));
    expect(one.result).toBe('FAIL');
    expect(one.message).toMatch(/gpg-pubkey-5a6340b3-6229229e is not in the rpm database/);
    expect((await judge('rocky', 'Rocky Linux', [])).result).toBe('NOT_APPLICABLE');
  });
});

describe('xwayland_disabled (rhel8)', () => {
  it.each([
    ['[daemon] WaylandEnable=false', '[daemon]\nWaylandEnable=false\n\n[security]\n', 'PASS'],
    ['commented', '[daemon]\n#WaylandEnable=false\n', 'FAIL'],
    ['in another section', '[security]\nWaylandEnable=false\n', 'FAIL'],
    ['true', '[daemon]\nWaylandEnable=true\n', 'FAIL'],
  ])('%s: %s', async (_l, text, want) => {
    expect(
      (await run('xwayland_disabled', { files: { '/etc/gdm/custom.conf': text } }, 'rhel8')).result,
    ).toBe(want);
  });
  it('no custom.conf: fail', async () => {
    expect((await run('xwayland_disabled', { files: { '/etc/hostname': 'h' } }, 'rhel8')).result).toBe(
      'FAIL',
    );
  });
});

describe('require_emergency_target_auth / require_singleuser_auth (al2)', () => {
  const UNITS: RootSpec = {
    files: {
      '/usr/lib/systemd/system/emergency.service': configFixture('debian-12/systemd/emergency.service'),
      '/usr/lib/systemd/system/rescue.service': configFixture('debian-12/systemd/rescue.service'),
      '/usr/lib/systemd/system/emergency.target': configFixture('debian-12/systemd/emergency.target'),
      '/usr/lib/systemd/system/rescue.target': configFixture('debian-12/systemd/rescue.target'),
    },
    symlinks: { '/usr/lib/systemd/system/runlevel1.target': 'rescue.target' },
  };
  // What ComplianceAsCode's rhel7_correct_value.pass.sh writes (systemd 219's line).
  const SYSTEMD_219 = (unit: string) =>
    configFixture(`debian-12/systemd/${unit}`).replace(
      /^ExecStart=.*$/m,
      'ExecStart=-/bin/sh -c "/usr/sbin/sulogin; /usr/bin/systemctl --fail --no-block default"',
    );
  it('pass: systemd 252 (systemd-sulogin-shell) and systemd 219 (sh -c sulogin) units', async () => {
    for (const rule of ['require_emergency_target_auth', 'require_singleuser_auth'])
      expect((await run(rule, UNITS, 'al2')).result, rule).toBe('PASS');
    const old: RootSpec = {
      ...UNITS,
      files: {
        ...UNITS.files,
        '/usr/lib/systemd/system/emergency.service': SYSTEMD_219('emergency.service'),
        '/usr/lib/systemd/system/rescue.service': SYSTEMD_219('rescue.service'),
      },
    };
    expect((await run('require_emergency_target_auth', old, 'al2')).result).toBe('PASS');
    expect((await run('require_singleuser_auth', old, 'al2')).result).toBe('PASS');
  });
  it('fail: a drop-in replacing ExecStart with a shell (ComplianceAsCode wrong_dropin.fail.sh); pass with sulogin', async () => {
    const bash = {
      '/etc/systemd/system/rescue.service.d/10-automatus.conf':
        '[Service]\nExecStart=\nExecStart=/bin/bash\n',
    };
    const r = await run('require_singleuser_auth', { ...UNITS, files: { ...UNITS.files, ...bash } }, 'al2');
    expect(r.result).toBe('FAIL');
    expect(r.message).toMatch(/rescue.service runs \/bin\/bash, not sulogin/);
    const good = {
      '/etc/systemd/system/rescue.service.d/10-automatus.conf':
        '[Service]\nExecStart=\nExecStart=-/usr/lib/systemd/systemd-sulogin-shell rescue\n',
    };
    expect(
      (await run('require_singleuser_auth', { ...UNITS, files: { ...UNITS.files, ...good } }, 'al2')).result,
    ).toBe('PASS');
  });
  it('fail: an /etc copy of emergency.service running a shell, or masked', async () => {
    const copy = configFixture('debian-12/systemd/emergency.service').replace(
      /^ExecStart=.*$/m,
      'ExecStart=-/bin/bash',
    );
    const r = await run(
      'require_emergency_target_auth',
      { ...UNITS, files: { ...UNITS.files, '/etc/systemd/system/emergency.service': copy } },
      'al2',
    );
    expect(r.result).toBe('FAIL');
    const masked = await run(
      'require_emergency_target_auth',
      { ...UNITS, symlinks: { ...UNITS.symlinks, '/etc/systemd/system/emergency.service': '/dev/null' } },
      'al2',
    );
    expect(masked.result).toBe('FAIL');
    expect(masked.message).toMatch(/masked/);
  });
  it('ERROR when the units are not there', async () => {
    expect(
      (await run('require_emergency_target_auth', { files: { '/etc/hostname': 'h' } }, 'al2')).result,
    ).toBe('ERROR');
  });
});

describe('accounts_passwords_pam_faillock_unlock_time_with_zero (rhel8)', () => {
  const SYSTEM_AUTH = configFixture('rhel-9/etc/pam.d/system-auth');
  const PASSWORD_AUTH = configFixture('rhel-9/etc/pam.d/password-auth');
  const faillock = (stack: string) =>
    stack
      .replace(
        /^(auth\s+required\s+pam_env.so.*)$/m,
        '$1\nauth        required                                     pam_faillock.so preauth silent',
      )
      .replace(
        /^(account\s+required\s+pam_unix.so.*)$/m,
        'account     required                                     pam_faillock.so\n$1',
      );
  const pam = (conf?: string): RootSpec => ({
    files: {
      '/etc/pam.d/system-auth': faillock(SYSTEM_AUTH),
      '/etc/pam.d/password-auth': faillock(PASSWORD_AUTH),
      ...(conf ? { '/etc/security/faillock.conf': conf } : {}),
    },
  });
  it.each([
    ['unlock_time = 0', 'unlock_time = 0\n', 'PASS'],
    ['unlock_time = 900', 'unlock_time = 900\n', 'PASS'],
    ['unlock_time = 60', 'unlock_time = 60\n', 'FAIL'],
  ])('%s', async (_l, conf, want) => {
    expect(
      (await run('accounts_passwords_pam_faillock_unlock_time_with_zero', pam(conf), 'rhel8')).result,
    ).toBe(want);
  });
  it('no pam_faillock in the stack: fail', async () => {
    const r = await run(
      'accounts_passwords_pam_faillock_unlock_time_with_zero',
      { files: { '/etc/pam.d/system-auth': SYSTEM_AUTH, '/etc/pam.d/password-auth': PASSWORD_AUTH } },
      'rhel8',
    );
    expect(r.result).toBe('FAIL');
  });
});

describe('accounts_password_pam_modules_in_authselect_profile (rhel8, rhel9)', () => {
  const profile = (version: string, name: string) => ({
    [`/etc/authselect/${name}/system-auth`]: configFixture(`upstream/authselect-${version}/sssd/system-auth`),
    [`/etc/authselect/${name}/password-auth`]: configFixture(
      `upstream/authselect-${version}/sssd/password-auth`,
    ),
  });
  const CONF = '/etc/authselect/authselect.conf';
  it('pass: a custom profile based on authselect 1.2.6 sssd', async () => {
    const r = await run(
      'accounts_password_pam_modules_in_authselect_profile',
      { files: { [CONF]: 'custom/cis\nwith-faillock\nwith-pwhistory\n', ...profile('1.2.6', 'custom/cis') } },
      'rhel9',
    );
    expect(r.result).toBe('PASS');
  });
  it('fail: based on authselect 1.2.2 sssd (no pam_pwhistory), a built-in profile, or no authselect', async () => {
    const old = await run(
      'accounts_password_pam_modules_in_authselect_profile',
      { files: { [CONF]: 'custom/cis\nwith-faillock\n', ...profile('1.2.2', 'custom/cis') } },
      'rhel8',
    );
    expect(old.result).toBe('FAIL');
    expect(old.message).toMatch(/custom\/cis\/system-auth has no pam_pwhistory/);
    const builtin = await run(
      'accounts_password_pam_modules_in_authselect_profile',
      { files: { [CONF]: 'sssd\nwith-faillock\n' } },
      'rhel8',
    );
    expect(builtin.message).toMatch(/sssd is not a custom profile/);
    expect(
      (
        await run(
          'accounts_password_pam_modules_in_authselect_profile',
          { files: { '/etc/hostname': 'h' } },
          'rhel8',
        )
      ).message,
    ).toMatch(/authselect is not in use/);
  });
});

describe('selinux_confinement_of_daemons (al2, al2023)', () => {
  /** A root whose /proc holds sshd (confined) and, when asked, a service running unconfined. */
  const host = (unconfined: boolean, selinux = true) =>
    collectRoot(
      { files: selinux ? { '/sys/fs/selinux/enforce': '1' } : {} },
      {
        prepare: (root) => {
          writeSockets(root, []);
          const procs: Array<[number, string, string, string]> = [
            [500, 'sshd', '/usr/sbin/sshd', 'system_u:system_r:sshd_t:s0-s0:c0.c1023'],
          ];
          if (unconfined)
            procs.push([700, 'myapp', '/opt/myapp/bin/myapp', 'system_u:system_r:unconfined_service_t:s0']);
          for (const [pid, comm, exe, label] of procs) {
            writeProcess(root, { pid, comm, exe });
            mkdirSync(path.join(root, 'proc', String(pid), 'attr'), { recursive: true });
            // The kernel ends the context with a NUL.
            writeFileSync(path.join(root, 'proc', String(pid), 'attr', 'current'), `${label}\0`);
          }
        },
      },
    );
  const judge = (t: Telemetry) =>
    evaluate(
      SINGLE_HAND_EVALUATORS['rule:selinux_confinement_of_daemons']!,
      asLiveHost(t),
      'selinux_confinement_of_daemons',
      'al2023',
    );
  it('pass: every context confined; fail: a service as unconfined_service_t', async () => {
    expect(judge(await host(false)).result).toBe('PASS');
    const r = judge(await host(true));
    expect(r.result).toBe('FAIL');
    expect(r.message).toMatch(/1 running process runs as unconfined_service_t: myapp/);
    expect(r.evidence[0]).toMatchObject({
      source: 'runtime:/proc/700/attr/current',
      value: 'system_u:system_r:unconfined_service_t:s0',
      note: '/opt/myapp/bin/myapp',
    });
  });
  it('fail without SELinux; NOT_APPLICABLE on an image; ERROR when no context was recorded', async () => {
    expect(judge(await host(false, false)).message).toMatch(/SELinux is not enabled/);
    const image = evaluate(
      SINGLE_HAND_EVALUATORS['rule:selinux_confinement_of_daemons']!,
      await factsOf({ files: { '/sys/fs/selinux/enforce': '1' } }),
      'selinux_confinement_of_daemons',
      'al2023',
    );
    expect(image.result).toBe('NOT_APPLICABLE');
    const t = await host(false);
    const old = {
      ...t,
      runtime: { ...t.runtime!, processes: t.runtime!.processes.map(({ securityLabel: _l, ...p }) => p) },
    };
    expect(judge(old).result).toBe('ERROR');
  });
});
