import { afterAll, describe, expect, it } from 'vitest';
import type { BenchmarkId } from '../../../../../functions/rules/cis/data';
import { kernelModuleDisabled } from '../../../../../functions/rules/cis/evaluators/modules';
import { type CisRootSpec, cisFacts } from '../../../../helpers/cis-roots';
import { cleanupRoots } from '../../../../helpers/fixture-root';

afterAll(cleanupRoots);

// kmod 30's /lib/modprobe.d/aliases.conf (Debian 12) head, and a modules.dep line for cramfs.
const KMOD_ALIASES = `# Aliases to tell insmod/modprobe which modules to use

# Uncomment the network protocols you don't want loaded:
# alias net-pf-1 off		# Unix
alias net-pf-3 off		# Amateur Radio AX.25
`;
const RELEASE = '6.1.0-18-amd64';
const modulesDep = {
  [`/lib/modules/${RELEASE}/modules.dep`]:
    'kernel/fs/cramfs/cramfs.ko.xz:\nkernel/fs/udf/udf.ko.xz: kernel/lib/crc-itu-t.ko.xz\n',
};
const osrelease = { 'kernel.osrelease': RELEASE };

const input = (kernmodule: string, benchmark: BenchmarkId = 'debian12') => ({
  ruleId: `kernel_module_${kernmodule}_disabled`,
  benchmark,
  vars: { kernmodule },
  variables: {},
});

type Case = [string, CisRootSpec, BenchmarkId, string, string, RegExp];
const cases: Case[] = [
  [
    'install /bin/false (Debian 12: upstream judges the install line)',
    {
      files: {
        ...modulesDep,
        '/lib/modprobe.d/aliases.conf': KMOD_ALIASES,
        '/etc/modprobe.d/cramfs.conf': 'install cramfs /bin/false\n',
      },
      sysctl: osrelease,
    },
    'debian12',
    'cramfs',
    'PASS',
    /install \/bin\/false/,
  ],
  [
    'install /bin/true and blacklist (Ubuntu requires both)',
    {
      os: 'ubuntu2204',
      files: { '/etc/modprobe.d/cis.conf': 'install udf /bin/true\nblacklist udf\n' },
      sysctl: osrelease,
    },
    'ubuntu2204',
    'udf',
    'PASS',
    /blacklisted/,
  ],
  [
    'Ubuntu: install line without blacklist fails',
    { os: 'ubuntu2204', files: { '/etc/modprobe.d/cis.conf': 'install udf /bin/true\n' }, sysctl: osrelease },
    'ubuntu2204',
    'udf',
    'FAIL',
    /no "blacklist udf" line/,
  ],
  [
    'blacklist alone does not stop modprobe cramfs',
    { files: { '/etc/modprobe.d/cramfs.conf': 'blacklist cramfs\n' }, sysctl: osrelease },
    'debian12',
    'cramfs',
    'FAIL',
    /no "install cramfs \/bin\/false" line/,
  ],
  [
    'commented install line',
    { files: { '/etc/modprobe.d/cramfs.conf': '# install cramfs /bin/false\n' }, sysctl: osrelease },
    'debian12',
    'cramfs',
    'FAIL',
    /no "install cramfs/,
  ],
  [
    'a same-named file in /etc hides the disabling one in /usr/lib',
    {
      files: {
        '/usr/lib/modprobe.d/cramfs.conf': 'install cramfs /bin/false\n',
        '/etc/modprobe.d/cramfs.conf': 'install cramfs /sbin/modprobe --ignore-install cramfs\n',
      },
      sysctl: osrelease,
    },
    'debian12',
    'cramfs',
    'FAIL',
    /does not disable it/,
  ],
  [
    'names compare with - and _ as one (firewire-core)',
    { files: { '/etc/modprobe.d/fw.conf': 'install firewire_core /bin/false\n' }, sysctl: osrelease },
    'debian12',
    'firewire-core',
    'PASS',
    /firewire-core cannot be loaded/,
  ],
  [
    'loaded now on a live host fails',
    {
      files: {
        '/etc/modprobe.d/cramfs.conf': 'install cramfs /bin/false\n',
        '/proc/modules': 'cramfs 20480 0 - Live 0x0000000000000000\n',
      },
      sysctl: osrelease,
      live: {},
    },
    'debian12',
    'cramfs',
    'FAIL',
    /loaded now/,
  ],
];

describe('kernel_module_disabled template', () => {
  it.each(cases)('%s', async (_n, spec, benchmark, module, result, message) => {
    const out = kernelModuleDisabled(await cisFacts(spec), input(module, benchmark));
    expect(out.result).toBe(result);
    expect(out.message).toMatch(message);
  });

  it('not a live host: passes on the configuration and says the loaded state was not judged', async () => {
    const out = kernelModuleDisabled(
      await cisFacts({ files: { '/etc/modprobe.d/c.conf': 'install cramfs /bin/false\n' } }),
      input('cramfs'),
    );
    expect(out.result).toBe('PASS');
    expect(out.message).toMatch(/whether it is loaded now is not judged \(not a live host/);
  });

  it('ERROR when a modprobe.d directory could not be read', async () => {
    const facts = await cisFacts({});
    delete (facts.telemetry.paths as Record<string, unknown>)['/etc/modprobe.d'];
    const out = kernelModuleDisabled(facts, input('cramfs'));
    expect(out.result).toBe('ERROR');
  });
});
