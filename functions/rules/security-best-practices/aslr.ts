/** sbp.aslr: full address space layout randomization (kernel.randomize_va_space = 2). */
import type { Evidence } from '../../core/model';
import { error, fail, pass, type Rule } from '../../core/rule';
import { LINUX } from './sshd-common';

type Params = { requiredValue: number };

const KEY = 'kernel.randomize_va_space';

export const aslr: Rule<Params> = {
  id: 'sbp.aslr',
  title: 'Address space layout randomization is fully enabled',
  findingTitle: 'Address space layout randomization is not fully enabled',
  description:
    'kernel.randomize_va_space 2 randomizes the stack, mmap, VDSO and heap (brk) addresses, which makes memory ' +
    'corruption exploits much harder. 1 leaves the heap in place; 0 turns randomization off.',
  recommendation:
    'Run "sysctl -w kernel.randomize_va_space=2", make it permanent with the line ' +
    '"kernel.randomize_va_space = 2" in /etc/sysctl.d/60-aslr.conf (remove any other value from /etc/sysctl.conf ' +
    'and /etc/sysctl.d/), and remove "norandmaps" from the kernel command line if present.',
  severity: 'Medium',
  platforms: LINUX,
  parameters: { requiredValue: 2 },
  check(facts, params) {
    const expected = String(params.requiredValue);
    const v = facts.kernelParameter(KEY);
    if (!v.ok) {
      return error(`ASLR could not be evaluated: ${v.reason}`, [
        { source: '/proc/sys/kernel/randomize_va_space', key: KEY, expected, note: v.reason },
      ]);
    }
    const ev: Evidence = {
      source: '/proc/sys/kernel/randomize_va_space',
      key: KEY,
      value: v.value,
      expected,
    };
    if (v.value === expected) return pass(`${KEY} is ${v.value}`, [ev]);
    return {
      ...fail(`${KEY} is ${v.value}, not ${expected}`, [
        { ...ev, note: 'running kernel value; /etc/sysctl.d is applied at boot' },
      ]),
      recommendation: `Run "sysctl -w ${KEY}=${expected}" and add the line "${KEY} = ${expected}" to /etc/sysctl.d/60-aslr.conf so it survives a reboot (and remove any other ${KEY} line from /etc/sysctl.conf and /etc/sysctl.d/).`,
    };
  },
};
