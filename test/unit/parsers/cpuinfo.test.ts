import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { archFamily } from '../../../functions/core/facts/cpu';
import { parseCpuinfo } from '../../../functions/parsers/cpuinfo';

const fixture = (p: string) => readFileSync(path.join(__dirname, '../../fixtures/config', p), 'utf8');

describe('parseCpuinfo on real files', () => {
  it('x86_64 (Intel Xeon KVM guest): two processors with flags including nx', () => {
    const c = parseCpuinfo(fixture('debian-12/proc/cpuinfo-x86_64'));
    expect(c.processors.map((p) => [p.index, p.flagsField, p.flagsLine, p.flags.includes('nx')])).toEqual([
      [0, 'flags', 20, true],
      [1, 'flags', 47, true],
    ]);
    expect(c.processors[0]!.fields['model name']).toBe('Intel(R) Xeon(R) Processor');
    expect(c.processors[0]!.flags).toContain('avx512f');
  });

  it('arm64 (Raspberry Pi 3): Features per processor, the machine block apart', () => {
    const c = parseCpuinfo(fixture('raspberry-pi-3-arm64/proc/cpuinfo'));
    expect(c.processors.map((p) => [p.index, p.flagsField, p.flags])).toEqual([
      [0, 'Features', ['fp', 'asimd', 'evtstrm', 'crc32', 'cpuid']],
      [1, 'Features', ['fp', 'asimd', 'evtstrm', 'crc32', 'cpuid']],
    ]);
    expect(c.processors[0]!.fields['CPU architecture']).toBe('8');
    expect(c.machine.Model).toBe('Raspberry Pi 3 Model B Rev 1.2');
  });
});

describe('parseCpuinfo format', () => {
  it('an old ARMv7 block (capital "Processor" name, no processor number) is still a processor', () => {
    const c = parseCpuinfo(
      'Processor\t: ARMv7 Processor rev 2 (v7l)\nBogoMIPS\t: 1198.44\nFeatures\t: swp half thumb fastmult vfp edsp neon vfpv3\n\nHardware\t: mapphone_UMTS\n',
    );
    expect(c.processors).toHaveLength(1);
    expect(c.processors[0]!.index).toBeUndefined();
    expect(c.processors[0]!.flags).toContain('neon');
    expect(c.machine.Hardware).toBe('mapphone_UMTS');
  });

  it('empty input has no processor', () => {
    expect(parseCpuinfo('').processors).toEqual([]);
  });

  it.each([
    ['x86_64', 'x86'],
    ['i686', 'x86'],
    ['i386', 'x86'],
    ['amd64', 'x86'],
    ['aarch64', 'arm'],
    ['armv7l', 'arm'],
    ['arm64', 'arm'],
    ['ppc64le', 'other'],
    ['s390x', 'other'],
    ['riscv64', 'other'],
  ])('architecture %s is %s', (arch, family) => {
    expect(archFamily(arch)).toBe(family);
  });
});
