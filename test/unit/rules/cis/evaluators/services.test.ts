import { afterAll, describe, expect, it } from 'vitest';
import type { EvaluatorInput } from '../../../../../functions/rules/cis/evaluators';
import { SERVICE_EVALUATORS } from '../../../../../functions/rules/cis/evaluators/services';
import { type CisRootSpec, cisFacts } from '../../../../helpers/cis-roots';
import { cleanupRoots } from '../../../../helpers/fixture-root';

afterAll(cleanupRoots);

// avahi-daemon 0.8's unit files as Debian 12 installs them (abridged).
const AVAHI_SERVICE = `[Unit]
Description=Avahi mDNS/DNS-SD Stack
Requires=avahi-daemon.socket

[Service]
Type=dbus
BusName=org.freedesktop.Avahi
ExecStart=/usr/sbin/avahi-daemon -s

[Install]
WantedBy=multi-user.target
Also=avahi-daemon.socket
`;
const AVAHI_SOCKET = `[Unit]
Description=Avahi mDNS/DNS-SD Stack Activation Socket

[Socket]
ListenStream=/run/avahi-daemon/socket

[Install]
WantedBy=sockets.target
`;
const avahiFiles = {
  '/lib/systemd/system/avahi-daemon.service': AVAHI_SERVICE,
  '/lib/systemd/system/avahi-daemon.socket': AVAHI_SOCKET,
};
const masked = {
  '/etc/systemd/system/avahi-daemon.service': '/dev/null',
  '/etc/systemd/system/avahi-daemon.socket': '/dev/null',
};
const CRON_SERVICE =
  '[Unit]\nDescription=Regular background program processing daemon\n\n[Service]\nExecStart=/usr/sbin/cron -f $EXTRA_OPTS\n\n[Install]\nWantedBy=multi-user.target\n';

const disabled = (extra: Partial<EvaluatorInput> = {}): EvaluatorInput => ({
  ruleId: 'service_avahi-daemon_disabled',
  benchmark: 'debian12',
  vars: { servicename: 'avahi-daemon', packagename: 'avahi-daemon' },
  variables: {},
  ...extra,
});
const enabled = (): EvaluatorInput => ({
  ruleId: 'service_cron_enabled',
  benchmark: 'debian12',
  vars: { servicename: 'cron', packagename: 'cron' },
  variables: {},
});

type Case = [string, string, CisRootSpec, EvaluatorInput, string, RegExp];
const cases: Case[] = [
  [
    'disabled: package not installed',
    'service_disabled',
    { packages: [] },
    disabled(),
    'PASS',
    /avahi-daemon is not installed/,
  ],
  [
    'disabled: masked (image root, mask links) but running unknown: NOT_APPLICABLE',
    'service_disabled',
    { packages: ['avahi-daemon'], files: avahiFiles, symlinks: masked },
    disabled(),
    'NOT_APPLICABLE',
    /masked, but whether it runs is not known: not a live host/,
  ],
  [
    'disabled: masked and inactive on a live host',
    'service_disabled',
    {
      packages: ['avahi-daemon'],
      files: avahiFiles,
      live: {
        unitFiles: { 'avahi-daemon.service': 'masked', 'avahi-daemon.socket': 'masked' },
        units: { 'avahi-daemon.service': 'inactive' },
      },
    },
    disabled(),
    'PASS',
    /masked and not running/,
  ],
  [
    'disabled: only disabled (not masked) fails as upstream',
    'service_disabled',
    {
      packages: ['avahi-daemon'],
      files: avahiFiles,
      live: {
        unitFiles: { 'avahi-daemon.service': 'disabled', 'avahi-daemon.socket': 'disabled' },
        units: {},
      },
    },
    disabled(),
    'FAIL',
    /avahi-daemon.service is disabled, not masked/,
  ],
  [
    'disabled: masked but still running',
    'service_disabled',
    {
      packages: ['avahi-daemon'],
      files: avahiFiles,
      live: {
        unitFiles: { 'avahi-daemon.service': 'masked', 'avahi-daemon.socket': 'masked' },
        units: { 'avahi-daemon.service': 'active' },
      },
    },
    disabled(),
    'FAIL',
    /avahi-daemon.service is active/,
  ],
  [
    'disabled: enabled through a .wants link (image root) fails',
    'service_disabled',
    {
      packages: ['avahi-daemon'],
      files: avahiFiles,
      symlinks: {
        '/etc/systemd/system/multi-user.target.wants/avahi-daemon.service':
          '/lib/systemd/system/avahi-daemon.service',
      },
    },
    disabled(),
    'FAIL',
    /enabled, not masked/,
  ],
  [
    'disabled: package installed, no unit',
    'service_disabled',
    { packages: ['avahi-daemon'] },
    disabled(),
    'PASS',
    /no avahi-daemon.service or avahi-daemon.socket unit exists/,
  ],
  [
    'enabled: installed, enabled and running',
    'service_enabled',
    {
      packages: ['cron'],
      files: { '/lib/systemd/system/cron.service': CRON_SERVICE },
      live: { unitFiles: { 'cron.service': 'enabled' }, units: { 'cron.service': 'active' } },
    },
    enabled(),
    'PASS',
    /cron.service enabled; cron.service is active/,
  ],
  [
    'enabled: enabled, not running',
    'service_enabled',
    {
      packages: ['cron'],
      files: { '/lib/systemd/system/cron.service': CRON_SERVICE },
      live: { unitFiles: { 'cron.service': 'enabled' }, units: { 'cron.service': 'failed' } },
    },
    enabled(),
    'FAIL',
    /enabled but not running/,
  ],
  [
    'enabled: package missing',
    'service_enabled',
    { packages: [] },
    enabled(),
    'FAIL',
    /cron is not installed/,
  ],
  [
    'enabled: image root with the .wants link: NOT_APPLICABLE (running is runtime-only)',
    'service_enabled',
    {
      packages: ['cron'],
      files: { '/lib/systemd/system/cron.service': CRON_SERVICE },
      symlinks: {
        '/etc/systemd/system/multi-user.target.wants/cron.service': '/lib/systemd/system/cron.service',
      },
    },
    enabled(),
    'NOT_APPLICABLE',
    /not a live host/,
  ],
  [
    'enabled: image root without a .wants link: FAIL',
    'service_enabled',
    { packages: ['cron'], files: { '/lib/systemd/system/cron.service': CRON_SERVICE } },
    enabled(),
    'FAIL',
    /cron.service is disabled: not enabled/,
  ],
  [
    'disabled_guard_var: the benchmark chose this service: PASS (needed)',
    'service_disabled_guard_var',
    { packages: ['systemd-timesyncd'] },
    {
      ruleId: 'service_timesyncd_disabled',
      benchmark: 'debian12',
      vars: {
        servicename: 'systemd-timesyncd',
        packagename: 'systemd-timesyncd',
        variable: 'var_timesync_service',
        value: 'systemd-timesyncd',
      },
      variables: { var_timesync_service: 'systemd-timesyncd' },
    },
    'PASS',
    /needed: the benchmark's var_timesync_service is systemd-timesyncd/,
  ],
  [
    'enabled_guard_var: the benchmark chose another service: PASS (not needed)',
    'service_enabled_guard_var',
    { packages: [] },
    {
      ruleId: 'service_chronyd_enabled',
      benchmark: 'ubuntu2204',
      vars: {
        servicename: 'chronyd',
        packagename: 'chrony',
        variable: 'var_timesync_service',
        value: 'chronyd',
      },
      variables: { var_timesync_service: 'systemd-timesyncd' },
    },
    'PASS',
    /not needed/,
  ],
  [
    'enabled_guard_var: chosen, not installed: FAIL',
    'service_enabled_guard_var',
    { packages: [] },
    {
      ruleId: 'service_chronyd_enabled',
      benchmark: 'ubuntu2204',
      vars: {
        servicename: 'chronyd',
        packagename: 'chrony',
        variable: 'var_timesync_service',
        value: 'chronyd',
      },
      variables: { var_timesync_service: 'chronyd' },
    },
    'FAIL',
    /chrony is not installed/,
  ],
];

describe('service templates', () => {
  it.each(cases)('%s', async (_n, template, spec, input, result, message) => {
    const out = SERVICE_EVALUATORS[template]!(await cisFacts(spec), input);
    expect(out.result).toBe(result);
    expect(out.message).toMatch(message);
    if (result === 'FAIL') expect(out.recommendation).toMatch(/systemctl/);
  });

  it('a running host that systemd does not run (no /run/systemd/system): no unit runs', async () => {
    const facts = await cisFacts({
      packages: ['cron'],
      files: { '/lib/systemd/system/cron.service': CRON_SERVICE },
      symlinks: {
        '/etc/systemd/system/multi-user.target.wants/cron.service': '/lib/systemd/system/cron.service',
      },
    });
    facts.telemetry.root = '/';
    facts.telemetry.commands['systemctl-units'] = {
      status: 'missing',
      argv: ['systemctl', 'list-units'],
      reason: 'not-found',
      detail: 'systemd is not running this host',
    };
    const out = SERVICE_EVALUATORS.service_enabled!(facts, enabled());
    expect(out.result).toBe('FAIL');
    expect(out.message).toMatch(/enabled but not running/);
  });

  it('ERROR when neither systemctl nor the unit directories are known', async () => {
    const facts = await cisFacts({ packages: ['avahi-daemon'] });
    delete (facts.telemetry.listings as Record<string, unknown>)['/etc/systemd/system'];
    expect(SERVICE_EVALUATORS.service_disabled!(facts, disabled()).result).toBe('ERROR');
  });
});
