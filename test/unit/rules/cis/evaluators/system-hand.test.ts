import { afterAll, describe, expect, it } from 'vitest';
import type { Facts } from '../../../../../functions/core/facts/facts';
import type { BenchmarkId } from '../../../../../functions/rules/cis/data';
import { SYSTEM_HAND_EVALUATORS } from '../../../../../functions/rules/cis/evaluators/system-hand';
import {
  AIDE_AUDIT_TOOLS,
  DEBIAN_AIDE_CONF,
  DEBIAN_AIDE_TIMER,
  DEBIAN_CHRONY_CONF,
  DEBIAN_DEFAULT_GRUB,
  DEBIAN_TIMESYNCD_CONF,
} from '../../../../helpers/cis-material';
import { cleanupRoots, type RootSpec } from '../../../../helpers/fixture-root';
import { asLiveHost, collectRoot, evaluate, factsOf } from './harness';

afterAll(cleanupRoots);

const ev = (rule: string) => {
  const direct = SYSTEM_HAND_EVALUATORS[`rule:${rule}`];
  if (direct) return direct;
  const t: Record<string, string> = {
    grub2_audit_argument: 'grub2_bootloader_argument',
    grub2_audit_backlog_limit_argument: 'grub2_bootloader_argument',
    zipl_audit_argument: 'zipl_bls_entries_option',
    selinux_policytype: 'key_value_pair_in_file',
    'socket_systemd-journal-remote_disabled': 'socket_disabled',
  };
  return SYSTEM_HAND_EVALUATORS[t[rule]!]!;
};
const run = (
  rule: string,
  facts: Facts,
  benchmark: BenchmarkId = 'debian12',
  variables: Record<string, string> = {},
) => evaluate(ev(rule), facts, rule, benchmark, variables);
const root = (spec: RootSpec) => factsOf(spec);

describe('AIDE', () => {
  const aide = (extra: RootSpec['files'] = {}, symlinks: RootSpec['symlinks'] = {}) =>
    root({
      files: {
        '/etc/aide/aide.conf': DEBIAN_AIDE_CONF,
        '/lib/systemd/system/dailyaidecheck.timer': DEBIAN_AIDE_TIMER,
        ...extra,
      },
      symlinks,
    });
  it('database present or not', async () => {
    expect(run('aide_build_database', await aide()).result).toBe('FAIL');
    expect(
      run('aide_build_database', await aide({ '/var/lib/aide/aide.db': { content: 'x', mode: 0o600 } }))
        .result,
    ).toBe('PASS');
  });
  it("Debian's timer, shipped but not enabled, then enabled; a cron entry counts too", async () => {
    expect(run('aide_periodic_checking_systemd_timer', await aide()).result).toBe('FAIL');
    const enabled = await aide(
      {},
      {
        '/etc/systemd/system/timers.target.wants/dailyaidecheck.timer':
          '/lib/systemd/system/dailyaidecheck.timer',
      },
    );
    expect(run('aide_periodic_checking_systemd_timer', enabled).result).toBe('PASS');
    const cron = await aide({
      '/etc/cron.d/aide': '0 5 * * * root /usr/bin/aide --config /etc/aide/aide.conf --check\n',
    });
    expect(run('aide_periodic_cron_checking', cron, 'ubuntu2204').result).toBe('PASS');
    const commented = await aide({ '/etc/cron.d/aide': '#0 5 * * * root /usr/bin/aide --check\n' });
    expect(run('aide_periodic_cron_checking', commented, 'ubuntu2204').result).toBe('FAIL');
  });
  it("audit tools: Debian's aide.conf does not select them; a drop-in does", async () => {
    expect(run('aide_check_audit_tools', await aide()).result).toBe('FAIL');
    const d = await aide({ '/etc/aide/aide.conf.d/99_audit_tools': AIDE_AUDIT_TOOLS });
    expect(run('aide_check_audit_tools', d).result).toBe('PASS');
    const weak = await aide({
      '/etc/aide/aide.conf.d/99_audit_tools': AIDE_AUDIT_TOOLS.replace('+sha512', ''),
    });
    expect(run('aide_check_audit_tools', weak).result).toBe('FAIL');
  });
});

describe('time synchronisation', () => {
  it("timesyncd: Debian's timesyncd.conf sets no server; a drop-in does; chrony selected → N/A", async () => {
    const f = await root({ files: { '/etc/systemd/timesyncd.conf': DEBIAN_TIMESYNCD_CONF } });
    expect(run('service_timesyncd_configured', f).result).toBe('FAIL');
    const d = await root({
      files: {
        '/etc/systemd/timesyncd.conf': DEBIAN_TIMESYNCD_CONF,
        '/etc/systemd/timesyncd.conf.d/60.conf': '[Time]\nNTP=time.nist.gov\n',
      },
    });
    expect(run('service_timesyncd_configured', d).result).toBe('PASS');
    expect(
      run('service_timesyncd_configured', d, 'debian12', { var_timesync_service: 'chronyd' }).result,
    ).toBe('NOT_APPLICABLE');
  });
  it("chrony: Debian's chrony.conf has a pool; chronyd selected", async () => {
    const f = await root({
      files: {
        '/etc/chrony/chrony.conf': DEBIAN_CHRONY_CONF,
        '/etc/default/chrony': '# Options to pass to chrony.\nDAEMON_OPTS="-F 1"\n',
      },
    });
    const chrony = { var_timesync_service: 'chronyd' };
    expect(run('chronyd_configure_pool_and_server', f, 'debian12', chrony).result).toBe('PASS');
    expect(run('chronyd_run_as_chrony_user', f, 'debian12', chrony).result).toBe('PASS');
    expect(run('chronyd_specify_remote_server', f, 'rhel9').result).toBe('PASS');
    expect(run('chronyd_configure_pool_and_server', f).result).toBe('NOT_APPLICABLE');
    const noPool = await root({
      files: { '/etc/chrony/chrony.conf': DEBIAN_CHRONY_CONF.replace(/^pool /m, '#pool ') },
    });
    expect(run('chronyd_specify_remote_server', noPool, 'rhel9').result).toBe('FAIL');
    const asRoot = await root({
      files: {
        '/etc/chrony/chrony.conf': DEBIAN_CHRONY_CONF,
        '/etc/default/chrony': 'DAEMON_OPTS="-F 1 -u root"\n',
      },
    });
    expect(run('chronyd_run_as_chrony_user', asRoot, 'debian12', chrony).result).toBe('FAIL');
  });
  it('one service: chrony and timesyncd both enabled fails', async () => {
    const units = {
      '/lib/systemd/system/chrony.service': '[Unit]\n[Install]\nWantedBy=multi-user.target\n',
      '/lib/systemd/system/systemd-timesyncd.service': '[Unit]\n[Install]\nWantedBy=sysinit.target\n',
    };
    const one = await root({
      files: units,
      symlinks: {
        '/etc/systemd/system/multi-user.target.wants/chrony.service': '/lib/systemd/system/chrony.service',
      },
    });
    expect(run('ntp_single_service_active', one).result).toBe('PASS');
    const two = await root({
      files: units,
      symlinks: {
        '/etc/systemd/system/multi-user.target.wants/chrony.service': '/lib/systemd/system/chrony.service',
        '/etc/systemd/system/sysinit.target.wants/systemd-timesyncd.service':
          '/lib/systemd/system/systemd-timesyncd.service',
      },
    });
    expect(run('ntp_single_service_active', two).result).toBe('FAIL');
  });
});

describe('kernel command line', () => {
  it("Debian's /etc/default/grub lacks audit=1 and apparmor; with them it passes; grub.cfg lines count", async () => {
    const d = await root({ files: { '/etc/default/grub': DEBIAN_DEFAULT_GRUB } });
    expect(run('grub2_audit_argument', d).result).toBe('FAIL');
    expect(run('grub2_enable_apparmor', d).result).toBe('FAIL');
    const set = DEBIAN_DEFAULT_GRUB.replace(
      'GRUB_CMDLINE_LINUX=""',
      'GRUB_CMDLINE_LINUX="apparmor=1 security=apparmor audit=1 audit_backlog_limit=16384"',
    );
    const h = await root({ files: { '/etc/default/grub': set } });
    for (const r of ['grub2_audit_argument', 'grub2_audit_backlog_limit_argument', 'grub2_enable_apparmor'])
      expect(run(r, h).result, r).toBe('PASS');
    const stale = await root({
      files: {
        '/etc/default/grub': set,
        '/boot/grub/grub.cfg': 'menuentry x {\n\tlinux /vmlinuz-6.1.0 root=/dev/vda1 ro quiet\n}\n',
      },
    });
    expect(run('grub2_audit_argument', stale).result).toBe('FAIL');
    const low = await root({ files: { '/etc/default/grub': set.replace('16384', '64') } });
    expect(run('grub2_audit_backlog_limit_argument', low).result).toBe('FAIL');
    expect(run('grub2_audit_argument', await root({ files: { '/etc/hostname': 'h\n' } })).result).toBe(
      'NOT_APPLICABLE',
    );
    expect(run('zipl_audit_argument', h).result).toBe('NOT_APPLICABLE');
  });
  it('/etc/default/grub.d drop-ins count, $GRUB_CMDLINE_LINUX expanded', async () => {
    const f = await root({
      files: {
        '/etc/default/grub': DEBIAN_DEFAULT_GRUB,
        '/etc/default/grub.d/50-cloudimg-settings.cfg':
          'GRUB_CMDLINE_LINUX_DEFAULT="console=tty1 console=ttyS0"\n',
        '/etc/default/grub.d/60-cis.cfg': 'GRUB_CMDLINE_LINUX="$GRUB_CMDLINE_LINUX audit=1"\n',
      },
    });
    expect(run('grub2_audit_argument', f).result).toBe('PASS');
    expect(run('grub2_enable_apparmor', f).result).toBe('FAIL');
  });
  it('grub2_enable_selinux: selinux=0 fails', async () => {
    expect(
      run(
        'grub2_enable_selinux',
        await root({ files: { '/etc/default/grub': 'GRUB_CMDLINE_LINUX="crashkernel=auto selinux=0"\n' } }),
        'rhel9',
      ).result,
    ).toBe('FAIL');
    expect(
      run(
        'grub2_enable_selinux',
        await root({ files: { '/etc/default/grub': 'GRUB_CMDLINE_LINUX="crashkernel=auto"\n' } }),
        'rhel9',
      ).result,
    ).toBe('PASS');
  });
});

describe('AppArmor and SELinux', () => {
  const PROFILES = '/usr/sbin/chronyd (enforce)\nnvidia_modprobe (enforce)\n/usr/bin/man (complain)\n';
  it('profiles: runtime-only; enforce/complain', async () => {
    const t = await collectRoot({ files: { '/sys/kernel/security/apparmor/profiles': PROFILES } });
    const { Facts } = await import('../../../../../functions/core/facts/facts');
    expect(run('all_apparmor_profiles_in_enforce_complain_mode', new Facts(t)).result).toBe('NOT_APPLICABLE');
    const live = asLiveHost(t);
    expect(run('all_apparmor_profiles_in_enforce_complain_mode', live).result).toBe('PASS');
    expect(run('all_apparmor_profiles_enforced', live).result).toBe('FAIL');
    const unconfined = asLiveHost(
      await collectRoot({
        files: { '/sys/kernel/security/apparmor/profiles': `${PROFILES}/opt/x (unconfined)\n` },
      }),
    );
    expect(run('all_apparmor_profiles_in_enforce_complain_mode', unconfined).result).toBe('FAIL');
  });
  it('/etc/selinux/config', async () => {
    const conf = (state: string) =>
      root({
        files: {
          '/etc/selinux/config': `# This file controls the state of SELinux\nSELINUX=${state}\nSELINUXTYPE=targeted\n`,
        },
      });
    expect(run('selinux_state', await conf('enforcing'), 'rhel9').result).toBe('PASS');
    expect(run('selinux_state', await conf('permissive'), 'rhel9').result).toBe('FAIL');
    expect(run('selinux_not_disabled', await conf('permissive'), 'rhel9').result).toBe('PASS');
    expect(run('selinux_not_disabled', await conf('disabled'), 'rhel9').result).toBe('FAIL');
    expect(run('selinux_policytype', await conf('enforcing'), 'rhel9').result).toBe('PASS');
  });
});

describe('socket_disabled', () => {
  it('absent passes, enabled fails, masked passes', async () => {
    const rule = 'socket_systemd-journal-remote_disabled';
    expect(run(rule, await root({ files: { '/etc/hostname': 'h\n' } })).result).toBe('PASS');
    const unit = {
      '/lib/systemd/system/systemd-journal-remote.socket':
        '[Socket]\nListenStream=19532\n[Install]\nWantedBy=sockets.target\n',
    };
    const on = await root({
      files: unit,
      symlinks: {
        '/etc/systemd/system/sockets.target.wants/systemd-journal-remote.socket':
          '/lib/systemd/system/systemd-journal-remote.socket',
      },
    });
    expect(run(rule, on).result).toBe('FAIL');
    const masked = await root({
      files: unit,
      symlinks: { '/etc/systemd/system/systemd-journal-remote.socket': '/dev/null' },
    });
    expect(run(rule, masked).result).toBe('PASS');
  });
});
