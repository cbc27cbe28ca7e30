/** CPU facts: the architecture family and the processors' feature flags from /proc/cpuinfo. */
import { type Cpuinfo, parseCpuinfo } from '../../parsers/cpuinfo';
import { type Fact, type Facts, fact, noFact } from './facts';

export const CPUINFO_PATH = '/proc/cpuinfo';

export type ArchFamily = 'x86' | 'arm' | 'other';

export function archFamily(arch: string): ArchFamily {
  const a = arch.toLowerCase();
  if (/^(x86_64|amd64|x64|x86|i[3-6]86)$/.test(a)) return 'x86';
  if (/^(aarch64|arm64|arm.*)$/.test(a)) return 'arm';
  return 'other';
}

export function cpuinfo(facts: Facts): Fact<Cpuinfo> {
  return facts.memo('cpuinfo', () => {
    const t = facts.text(CPUINFO_PATH);
    if (!t.ok) return noFact(t.reason);
    const parsed = parseCpuinfo(t.value.text);
    if (parsed.processors.length === 0) return noFact(`${CPUINFO_PATH} lists no processor`);
    return fact(parsed);
  });
}

/**
 * The machine's architecture: what the agent recorded (kernel.arch, or its own process on the host
 * root), else what /proc/cpuinfo shows (x86 kernels write `flags`, ARM kernels `Features`).
 */
export function machineArch(facts: Facts): Fact<{ arch: string; family: ArchFamily; source: string }> {
  const arch = facts.arch;
  if (arch) {
    const src = facts.telemetry.host.archSource === 'proc' ? 'kernel.arch' : 'the agent process';
    return fact({ arch, family: archFamily(arch), source: src });
  }
  const c = cpuinfo(facts);
  if (!c.ok) return noFact(`the architecture was not recorded and ${c.reason}`);
  const field = c.value.processors[0]?.flagsField;
  if (field === 'flags') return fact({ arch: 'x86 (from cpuinfo)', family: 'x86', source: CPUINFO_PATH });
  if (field === 'Features') return fact({ arch: 'arm (from cpuinfo)', family: 'arm', source: CPUINFO_PATH });
  return noFact(`the architecture was not recorded and ${CPUINFO_PATH} does not show it`);
}
