/**
 * sbp.dep: data execution prevention. On x86 the CPU must expose the NX (no-execute) bit, which the kernel
 * lists as `nx` in the flags of every processor in /proc/cpuinfo (it is missing when the firmware disables
 * it or the kernel was booted with noexec=off). ARM CPUs have execute-never permissions built in: the rule
 * does not apply there, nor on other architectures.
 */
import { CPUINFO_PATH, cpuinfo, machineArch } from '../../core/facts/cpu';
import type { Evidence } from '../../core/model';
import { error, fail, notApplicable, pass, type Rule } from '../../core/rule';
import { LINUX } from './sshd-common';

export const dep: Rule = {
  id: 'sbp.dep',
  title: 'Data execution prevention (NX) is enabled',
  findingTitle: 'Data execution prevention (NX) is not enabled',
  description:
    'Without the NX bit, memory pages holding data (stack, heap) are executable, so injected code can run. ' +
    'x86 processors expose NX as the "nx" CPU flag when it is enabled.',
  recommendation:
    'Enable the NX / XD ("Execute Disable") bit in the firmware (BIOS/UEFI) or the hypervisor\'s CPU settings, ' +
    'remove "noexec=off" from the kernel command line, and on 32-bit x86 run a PAE kernel.',
  severity: 'Medium',
  platforms: LINUX,
  parameters: {},
  check(facts) {
    const arch = machineArch(facts);
    if (!arch.ok)
      return error(`DEP could not be evaluated: ${arch.reason}`, [
        { source: CPUINFO_PATH, note: arch.reason },
      ]);
    const archEv: Evidence = { source: arch.value.source, key: 'architecture', value: arch.value.arch };
    if (arch.value.family === 'arm') {
      return notApplicable(
        `${arch.value.arch} is an ARM architecture: execute-never is part of the architecture`,
        [archEv],
      );
    }
    if (arch.value.family !== 'x86') {
      return notApplicable(`the NX flag check applies to x86; this host is ${arch.value.arch}`, [archEv]);
    }
    const c = cpuinfo(facts);
    if (!c.ok)
      return error(`DEP could not be evaluated: ${c.reason}`, [
        archEv,
        { source: CPUINFO_PATH, note: c.reason },
      ]);
    const missing = c.value.processors.filter((p) => !p.flags.includes('nx'));
    if (missing.length === 0) {
      const first = c.value.processors[0]!;
      return pass(`every processor (${c.value.processors.length}) has the nx flag`, [
        archEv,
        {
          source: CPUINFO_PATH,
          ...(first.flagsLine ? { line: first.flagsLine } : {}),
          key: 'flags',
          value: 'nx present',
          expected: 'nx',
          note: `all ${c.value.processors.length} processors`,
        },
      ]);
    }
    const evidence: Evidence[] = [archEv];
    for (const p of missing) {
      evidence.push({
        source: CPUINFO_PATH,
        ...(p.flagsLine ? { line: p.flagsLine } : {}),
        key: `processor ${p.index ?? '?'} flags`,
        value: p.flags.length > 0 ? `${p.flags.length} flags, no nx` : '(no flags line)',
        expected: 'nx',
      });
    }
    return fail(`${missing.length} of ${c.value.processors.length} processors lack the nx flag`, evidence);
  },
};
