import { chownSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupRoots } from '../../../helpers/fixture-root';
import { x86Cpuinfo } from '../../../helpers/sbp-roots';
import { ruleResult, variant } from './harness';

afterAll(cleanupRoots);

const ASLR = 'sbp.aslr';
const DEP = 'sbp.dep';
const DIRS = 'sbp.system-dir-permissions';

const ARM_CPUINFO =
  'processor\t: 0\nBogoMIPS\t: 38.40\nFeatures\t: fp asimd evtstrm crc32 cpuid\nCPU implementer\t: 0x41\n' +
  'CPU architecture: 8\nCPU variant\t: 0x0\nCPU part\t: 0xd03\nCPU revision\t: 4\n\n' +
  'Revision\t: a22082\nModel\t\t: Raspberry Pi 3 Model B Rev 1.2\n';

describe('sbp.aslr', () => {
  it('passes for kernel.randomize_va_space = 2', async () => {
    const r = await ruleResult(ASLR, variant({}));
    expect(r.result).toBe('PASS');
    expect(r.evidence[0]).toMatchObject({ key: 'kernel.randomize_va_space', value: '2', expected: '2' });
  });

  it.each(['0', '1'])('fails for %s with the sysctl to run', async (v) => {
    const r = await ruleResult(ASLR, variant({ sysctl: { 'kernel.randomize_va_space': v } }));
    expect(r.result).toBe('FAIL');
    expect(r.recommendation).toMatch(/sysctl -w kernel.randomize_va_space=2/);
  });

  it('is ERROR when the kernel parameter was not collected (no /proc)', async () => {
    const r = await ruleResult(
      ASLR,
      variant({ omit: ['kernel.ostype', 'kernel.arch', 'kernel.randomize_va_space'] }),
    );
    expect(r.result).toBe('ERROR');
    expect(r.message).toMatch(/kernel parameters were not collected/);
  });
});

describe('sbp.dep', () => {
  it('passes on x86_64 with nx on every processor', async () => {
    const r = await ruleResult(DEP, variant({}));
    expect(r.result).toBe('PASS');
    expect(r.evidence[1]).toMatchObject({ source: '/proc/cpuinfo', key: 'flags', expected: 'nx' });
  });

  it('fails when a processor lacks nx', async () => {
    const r = await ruleResult(DEP, variant({ files: { '/proc/cpuinfo': x86Cpuinfo(false) } }));
    expect(r.result).toBe('FAIL');
    expect(r.evidence.filter((e) => e.key?.startsWith('processor'))).toHaveLength(2);
  });

  it.each(['i686', 'x86_64'])('is ERROR on %s when /proc/cpuinfo is missing', async (arch) => {
    const r = await ruleResult(DEP, variant({ sysctl: { 'kernel.arch': arch }, omit: ['/proc/cpuinfo'] }));
    expect(r.result).toBe('ERROR');
  });

  it.each(['aarch64', 'armv7l'])('is NOT_APPLICABLE on ARM (%s)', async (arch) => {
    const r = await ruleResult(
      DEP,
      variant({ sysctl: { 'kernel.arch': arch }, files: { '/proc/cpuinfo': ARM_CPUINFO } }),
    );
    expect(r.result).toBe('NOT_APPLICABLE');
  });

  it('takes the architecture from cpuinfo when kernel.arch is absent', async () => {
    const arm = await ruleResult(
      DEP,
      variant({ omit: ['kernel.arch'], files: { '/proc/cpuinfo': ARM_CPUINFO } }),
    );
    expect(arm.result).toBe('NOT_APPLICABLE');
    const x86 = await ruleResult(
      DEP,
      variant({ omit: ['kernel.arch'], files: { '/proc/cpuinfo': x86Cpuinfo(false) } }),
    );
    expect(x86.result).toBe('FAIL');
  });
});

describe('sbp.system-dir-permissions', () => {
  it('passes when every directory is root-owned 0755, following /bin -> usr/bin', async () => {
    const r = await ruleResult(DIRS, variant({}));
    expect(r.result).toBe('PASS');
    expect(r.evidence).toContainEqual(
      expect.objectContaining({
        source: '/bin',
        value: '0755 uid 0 gid 0',
        note: 'symlink to /usr/bin; directory',
      }),
    );
  });

  it('fails for a group-writable /etc with its mode in octal', async () => {
    const r = await ruleResult(DIRS, variant({ dirs: { '/etc': 0o775 } }));
    expect(r.result).toBe('FAIL');
    expect(r.evidence[0]).toMatchObject({ source: '/etc', value: '0775 uid 0 gid 0' });
    expect(r.evidence[0]!.note).toMatch(/group-writable/);
    expect(r.recommendation).toMatch(/chmod go-w \/etc/);
  });

  it('fails for a non-root owner', async () => {
    const r = await ruleResult(DIRS, variant({}), {
      prepare: (root) => chownSync(path.join(root, 'usr/local/bin'), 1000, 1000),
    });
    expect(r.result).toBe('FAIL');
    expect(r.evidence[0]).toMatchObject({ source: '/usr/local/bin', value: '0755 uid 1000 gid 1000' });
    expect(r.recommendation).toMatch(/chown root \/usr\/local\/bin/);
  });

  it('judges a symlinked directory by its target: world-writable /usr/bin fails /bin too', async () => {
    const r = await ruleResult(DIRS, variant({ dirs: { '/usr/bin': 0o777 } }));
    expect(r.result).toBe('FAIL');
    expect(r.evidence.slice(0, 2).map((e) => e.source)).toEqual(['/bin', '/usr/bin']);
    expect(r.evidence[0]!.note).toMatch(/symlink to \/usr\/bin; directory: group-writable, world-writable/);
  });

  it('skips directories that do not exist and says so', async () => {
    const r = await ruleResult(DIRS, variant({ omit: ['/lib64', '/usr/lib64', '/boot'] }));
    expect(r.result).toBe('PASS');
    expect(r.evidence).toContainEqual({ source: '/boot', note: 'does not exist: skipped' });
    expect(r.evidence).toContainEqual({ source: '/lib64', note: 'does not exist: skipped' });
  });

  it('is ERROR when none of the directories exists', async () => {
    const r = await ruleResult(DIRS, { sysctl: { 'kernel.ostype': 'Linux' } });
    expect(r.result).toBe('ERROR');
  });
});
