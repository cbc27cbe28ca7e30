import { afterAll, describe, expect, it } from 'vitest';
import { mountOptionEvaluator, mountSeparate } from '../../../../../functions/rules/cis/evaluators/mounts';
import { type CisRootSpec, cisFacts } from '../../../../helpers/cis-roots';
import { cleanupRoots } from '../../../../helpers/fixture-root';

afterAll(cleanupRoots);

// A Debian 12 installer's fstab with a separate /home and a tmpfs /tmp added.
const FSTAB = `# /etc/fstab: static file system information.
#
# <file system> <mount point>   <type>  <options>       <dump>  <pass>
# / was on /dev/vda1 during installation
UUID=2b1f5e0e-4c43-4f1e-9a63-3f0a0b4f9d10 /               ext4    errors=remount-ro 0       1
UUID=8e6a1f0c-55d5-4d55-b1a9-0e7e2b1c9a21 /home           ext4    defaults,nodev  0       2
tmpfs /tmp tmpfs defaults,rw,nosuid,nodev,noexec,relatime,size=2G 0 0
`;
const PROC_MOUNTS = `/dev/vda1 / ext4 rw,relatime,errors=remount-ro 0 0
proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0
tmpfs /dev/shm tmpfs rw,nosuid,nodev 0 0
/dev/vda2 /home ext4 rw,relatime 0 0
tmpfs /tmp tmpfs rw,nosuid,nodev,noexec,relatime,size=2097152k 0 0
`;
const TMP_MOUNT_UNIT = `[Unit]
Description=Temporary Directory /tmp
ConditionPathIsSymbolicLink=!/tmp
DefaultDependencies=no

[Mount]
What=tmpfs
Where=/tmp
Type=tmpfs
Options=mode=1777,strictatime,nosuid,nodev,size=50%%,nr_inodes=1m
`;
const live = {};
const opt = (mountpoint: string, mountoption: string, extra: Record<string, string> = {}) => ({
  ruleId: `mount_option_${mountpoint.replace(/\//g, '_')}_${mountoption}`,
  benchmark: 'debian12' as const,
  vars: { mountpoint, mountoption, ...extra },
  variables: {},
});
const sep = (mountpoint: string) => ({
  ruleId: `partition_for${mountpoint}`,
  benchmark: 'debian12' as const,
  vars: { mountpoint },
  variables: {},
});

type Case = [string, CisRootSpec, ReturnType<typeof opt>, string, RegExp];
const optionCases: Case[] = [
  [
    'configured and mounted with the option',
    { files: { '/etc/fstab': FSTAB, '/proc/self/mounts': PROC_MOUNTS }, live },
    opt('/tmp', 'noexec'),
    'PASS',
    /mounted and configured/,
  ],
  [
    'configured with it, mounted without it',
    { files: { '/etc/fstab': FSTAB, '/proc/self/mounts': PROC_MOUNTS }, live },
    opt('/home', 'nodev'),
    'FAIL',
    /mounted without nodev/,
  ],
  [
    'mounted with it, configured without it',
    { files: { '/etc/fstab': FSTAB, '/proc/self/mounts': PROC_MOUNTS }, live },
    opt('/home', 'nosuid'),
    'FAIL',
    /\/etc\/fstab mounts \/home without nosuid/,
  ],
  [
    'not configured, mount_has_to_exist false (/dev/shm): fails',
    { files: { '/etc/fstab': FSTAB, '/proc/self/mounts': PROC_MOUNTS }, live },
    opt('/dev/shm', 'noexec', { mount_has_to_exist: 'false' }),
    'FAIL',
    /not configured/,
  ],
  [
    'not configured, default: nothing to judge',
    { files: { '/etc/fstab': FSTAB, '/proc/self/mounts': PROC_MOUNTS }, live },
    opt('/var/tmp', 'nodev'),
    'PASS',
    /not a separate mount/,
  ],
  [
    'a mount unit configures it (tmp.mount)',
    {
      files: {
        '/etc/fstab': '',
        '/etc/systemd/system/tmp.mount': TMP_MOUNT_UNIT,
        '/proc/self/mounts': PROC_MOUNTS,
      },
      live,
    },
    opt('/tmp', 'nosuid'),
    'PASS',
    /nosuid/,
  ],
  [
    'a mount unit without the option',
    {
      files: {
        '/etc/fstab': '',
        '/etc/systemd/system/tmp.mount': TMP_MOUNT_UNIT,
        '/proc/self/mounts': PROC_MOUNTS,
      },
      live,
    },
    opt('/tmp', 'noexec'),
    'FAIL',
    /tmp.mount mounts \/tmp without noexec/,
  ],
  [
    'not a live host, configured right: NOT_APPLICABLE',
    { files: { '/etc/fstab': FSTAB } },
    opt('/tmp', 'nodev'),
    'NOT_APPLICABLE',
    /not a live host/,
  ],
  [
    'not a live host, configured wrong: FAIL',
    { files: { '/etc/fstab': FSTAB } },
    opt('/home', 'nosuid'),
    'FAIL',
    /without nosuid/,
  ],
];

describe('mount_option template', () => {
  it.each(optionCases)('%s', async (_n, spec, input, result, message) => {
    const out = mountOptionEvaluator(await cisFacts(spec), input);
    expect(out.result).toBe(result);
    expect(out.message).toMatch(message);
  });
});

describe('mount template', () => {
  it.each([
    [
      'mounted now',
      { files: { '/etc/fstab': FSTAB, '/proc/self/mounts': PROC_MOUNTS }, live },
      '/home',
      'PASS',
      /separate file system \(ext4/,
    ],
    [
      'neither configured nor mounted',
      { files: { '/etc/fstab': FSTAB, '/proc/self/mounts': PROC_MOUNTS }, live },
      '/var',
      'FAIL',
      /not a separate file system/,
    ],
    [
      'configured, image root: NOT_APPLICABLE',
      { files: { '/etc/fstab': FSTAB } },
      '/home',
      'NOT_APPLICABLE',
      /whether it is mounted is not known/,
    ],
    [
      'not configured, image root: FAIL',
      { files: { '/etc/fstab': FSTAB } },
      '/var/log',
      'FAIL',
      /not configured/,
    ],
  ] as Array<[string, CisRootSpec, string, string, RegExp]>)(
    '%s',
    async (_n, spec, point, result, message) => {
      const out = mountSeparate(await cisFacts(spec), sep(point));
      expect(out.result).toBe(result);
      expect(out.message).toMatch(message);
    },
  );

  it('ERROR when /etc/fstab could not be read', async () => {
    const facts = await cisFacts({ files: { '/etc/fstab': FSTAB } });
    delete (facts.telemetry.files as Record<string, unknown>)['/etc/fstab'];
    expect(mountSeparate(facts, sep('/home')).result).toBe('ERROR');
  });
});
