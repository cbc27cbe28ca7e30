import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { BenchmarkId } from '../../../../../functions/rules/cis/data';
import { CAC_RULES, templateName } from '../../../../../functions/rules/cis/data';
import type { Evaluator } from '../../../../../functions/rules/cis/evaluators';
import { BANNER_EVALUATORS } from '../../../../../functions/rules/cis/evaluators/banner';
import { LINEINFILE_EVALUATORS } from '../../../../../functions/rules/cis/evaluators/lineinfile';
import { LOGGING_EVALUATORS, rsyslogLogFiles } from '../../../../../functions/rules/cis/evaluators/logging';
import { SYSTEMD_DROPIN_EVALUATORS } from '../../../../../functions/rules/cis/evaluators/systemd-dropin';
import type { RootSpec } from '../../../../helpers/fixture-root';
import { cleanupRoots } from '../../../../helpers/fixture-root';
import { evaluate, factsOf } from './harness';

afterAll(cleanupRoots);

const fixture = (p: string) => readFileSync(path.join(__dirname, '../../../../fixtures/config', p), 'utf8');
const ISSUE = fixture('debian-12/etc/issue');
const ISSUE_NET = fixture('debian-12/etc/issue.net');
const MOTD = fixture('debian-12/etc/motd');
const RSYSLOG = fixture('debian-12/etc/rsyslog.conf');
const JOURNALD = fixture('debian-12/etc/systemd/journald.conf');
const OS =
  'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n';
const BANNER = 'Authorized users only. All activity may be monitored and reported.\n';

const ALL: Record<string, Evaluator> = {
  ...BANNER_EVALUATORS,
  ...LINEINFILE_EVALUATORS,
  ...LOGGING_EVALUATORS,
  ...SYSTEMD_DROPIN_EVALUATORS,
};
const run = async (rule: string, spec: RootSpec, benchmark: BenchmarkId = 'debian12') => {
  const facts = await factsOf(spec);
  const template = templateName(CAC_RULES.rules[rule]!, benchmark)!;
  return evaluate(ALL[template]!, facts, rule, benchmark);
};

describe('cis_banner', () => {
  it.each([
    ["Debian's /etc/issue (OS name, \\n \\l)", 'banner_etc_issue_cis', { '/etc/issue': ISSUE }, 'FAIL'],
    ["Debian's /etc/issue.net", 'banner_etc_issue_net_cis', { '/etc/issue.net': ISSUE_NET }, 'FAIL'],
    ['a site banner in /etc/issue', 'banner_etc_issue_cis', { '/etc/issue': BANNER }, 'PASS'],
    [
      'a banner with \\r (kernel release)',
      'banner_etc_issue_cis',
      { '/etc/issue': `${BANNER}Kernel \\r\n` },
      'FAIL',
    ],
    ['an empty /etc/issue', 'banner_etc_issue_cis', { '/etc/issue': '\n' }, 'FAIL'],
    ['no /etc/issue.net', 'banner_etc_issue_net_cis', {}, 'FAIL'],
    ["Debian's /etc/motd names Debian", 'banner_etc_motd_cis', { '/etc/motd': MOTD }, 'FAIL'],
    ['no /etc/motd (nothing shown)', 'banner_etc_motd_cis', {}, 'PASS'],
  ] as const)('%s: %s → %s', async (_c, rule, files, expected) => {
    const out = await run(rule, { files: { '/etc/os-release': OS, ...files } });
    expect(out.result, out.message).toBe(expected);
  });

  it('an unreadable banner is ERROR', async () => {
    const facts = await factsOf({ files: { '/etc/os-release': OS, '/etc/issue': BANNER } });
    facts.telemetry.files['/etc/issue'] = {
      status: 'missing',
      reason: 'permission-denied',
      detail: 'EACCES',
    };
    expect(evaluate(ALL.cis_banner!, facts, 'banner_etc_issue_cis').result).toBe('ERROR');
  });
});

describe('journald and coredump settings (systemd_dropin_configuration, shell_lineinfile on Debian 12)', () => {
  it.each([
    [
      'Storage=persistent in a drop-in',
      'journald_storage',
      'ubuntu2204',
      { '/etc/systemd/journald.conf.d/60-cis.conf': '[Journal]\nStorage=persistent\n' },
      'PASS',
    ],
    ["Debian's journald.conf: Storage unset (auto)", 'journald_storage', 'ubuntu2204', {}, 'FAIL'],
    ['Compress unset: default yes', 'journald_compress', 'ubuntu2204', {}, 'PASS'],
    [
      'a later drop-in overrides an earlier one',
      'journald_storage',
      'ubuntu2204',
      {
        '/etc/systemd/journald.conf.d/60-cis.conf': '[Journal]\nStorage=persistent\n',
        '/etc/systemd/journald.conf.d/90-volatile.conf': '[Journal]\nStorage=volatile\n',
      },
      'FAIL',
    ],
    [
      'a drop-in overrides the main file',
      'journald_storage',
      'ubuntu2204',
      {
        '/etc/systemd/journald.conf': `${JOURNALD}Storage=volatile\n`,
        '/etc/systemd/journald.conf.d/60-cis.conf': '[Journal]\nStorage=persistent\n',
      },
      'PASS',
    ],
    [
      'the key in another section does not count',
      'journald_storage',
      'ubuntu2204',
      { '/etc/systemd/journald.conf.d/60-cis.conf': '[Other]\nStorage=persistent\n' },
      'FAIL',
    ],
    [
      'Debian 12 (shell_lineinfile): drop-in read too',
      'journald_storage',
      'debian12',
      { '/etc/systemd/journald.conf.d/60-cis.conf': '[Journal]\nStorage=persistent\n' },
      'PASS',
    ],
    [
      'Debian 12 (shell_lineinfile): ForwardToSyslog=yes wanted',
      'journald_forward_to_syslog',
      'debian12',
      {},
      'FAIL',
    ],
    [
      'coredump Storage=none',
      'coredump_disable_storage',
      'debian12',
      {
        '/etc/systemd/coredump.conf.d/cis.conf': '[Coredump]\nStorage=none\n',
        '/etc/systemd/coredump.conf': '[Coredump]\n',
      },
      'PASS',
    ],
    [
      'coredump ProcessSizeMax default',
      'coredump_disable_backtraces',
      'debian12',
      { '/etc/systemd/coredump.conf': '[Coredump]\n#ProcessSizeMax=2G\n' },
      'FAIL',
    ],
  ] as const)('%s: %s → %s', async (_c, rule, benchmark, files, expected) => {
    const out = await run(rule, { files: { '/etc/systemd/journald.conf': JOURNALD, ...files } }, benchmark);
    expect(out.result, out.message).toBe(expected);
    expect(out.evidence.length).toBeGreaterThan(0);
  });

  it('an unreadable drop-in is ERROR', async () => {
    const facts = await factsOf({
      files: {
        '/etc/systemd/journald.conf': JOURNALD,
        '/etc/systemd/journald.conf.d/60-cis.conf': '[Journal]\nStorage=persistent\n',
      },
    });
    facts.telemetry.files['/etc/systemd/journald.conf.d/60-cis.conf'] = {
      status: 'missing',
      reason: 'permission-denied',
      detail: 'EACCES',
    };
    expect(evaluate(ALL.systemd_dropin_configuration!, facts, 'journald_storage', 'ubuntu2204').result).toBe(
      'ERROR',
    );
  });
});

describe('rsyslog_logfiles_attributes_modify', () => {
  const PASSWD = 'root:x:0:0:root:/root:/bin/bash\nsyslog:x:104:110::/nonexistent:/usr/sbin/nologin\n';
  const GROUP = 'root:x:0:\nadm:x:4:syslog\nstaff:x:50:\n';
  const base = (logs: Record<string, { content: string; mode?: number }>) => ({
    files: { '/etc/rsyslog.conf': RSYSLOG, '/etc/passwd': PASSWD, '/etc/group': GROUP, ...logs },
  });

  it("reads the log files of Debian's rsyslog.conf (selectors, -async, omfile actions)", () => {
    expect(rsyslogLogFiles(RSYSLOG).map((x) => x.path)).toEqual([
      '/var/log/syslog',
      '/var/log/auth.log',
      '/var/log/cron.log',
      '/var/log/kern.log',
      '/var/log/mail.log',
      '/var/log/user.log',
    ]);
    expect(rsyslogLogFiles('action(type="omfile" file="/var/log/app.log")\n')[0]?.path).toBe(
      '/var/log/app.log',
    );
  });

  it.each([
    [
      '0640 logs',
      'rsyslog_files_permissions',
      { '/var/log/syslog': { content: '', mode: 0o640 }, '/var/log/auth.log': { content: '', mode: 0o600 } },
      'PASS',
    ],
    [
      'a world-readable log',
      'rsyslog_files_permissions',
      { '/var/log/syslog': { content: '', mode: 0o644 } },
      'FAIL',
    ],
    [
      'owned by root (the test runs as root)',
      'rsyslog_files_ownership',
      { '/var/log/syslog': { content: '', mode: 0o640 } },
      'PASS',
    ],
  ] as const)('%s: %s → %s', async (_c, rule, logs, expected) => {
    const out = await run(rule, base(logs));
    expect(out.result, out.message).toBe(expected);
  });

  it('group owner: root accepted beside adm; another group fails', async () => {
    const facts = await factsOf(base({ '/var/log/syslog': { content: '', mode: 0o640 } }));
    expect(
      evaluate(ALL.rsyslog_logfiles_attributes_modify!, facts, 'rsyslog_files_groupownership').result,
    ).toBe('PASS');
    const l = facts.telemetry.listings?.['/var/log'];
    if (l?.status !== 'ok') throw new Error('no /var/log listing');
    for (const e of l.entries) e.gid = 50;
    const out = evaluate(ALL.rsyslog_logfiles_attributes_modify!, facts, 'rsyslog_files_groupownership');
    expect(out.result).toBe('FAIL');
    expect(out.evidence[0]).toMatchObject({ source: '/var/log/syslog', value: '50' });
  });

  it('rsyslog not installed: NOT_APPLICABLE', async () => {
    expect((await run('rsyslog_files_permissions', { files: { '/etc/os-release': OS } })).result).toBe(
      'NOT_APPLICABLE',
    );
  });
});
