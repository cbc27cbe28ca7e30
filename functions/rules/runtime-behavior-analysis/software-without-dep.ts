/**
 * rba.software-without-dep: running executables and shared libraries (every file a process ran or mapped
 * executable during the run, distribution packages included) built without a non-executable stack.
 *
 * Judged like checksec's NX column: NX is enabled when PT_GNU_STACK is present without PF_X; a PT_GNU_STACK
 * with PF_X, or none at all, is "NX disabled" (without the header the kernel gives the program an
 * executable stack on most architectures). The exception is AArch64 (e_machine 183), where checksec's
 * verdict is wrong: a missing header leaves the stack non-executable there, in the kernel (arm64 implies
 * READ_IMPLIES_EXEC only for 32-bit compat tasks) and in glibc's loader (sysdeps/aarch64/stackinfo.h:
 * DEFAULT_STACK_PERMS is PF_R|PF_W), so such files pass and are counted in a note. Other architectures
 * keep checksec's verdict (a false FAIL is the safe side). One such library is enough: when the loader maps it, it makes
 * the stack of the whole process executable. This is the per-file half of DEP; the processor's NX bit is
 * sbp.dep's. Objects whose ELF facts could not be read are not judged, and counted; when none could be
 * judged the result is ERROR.
 */
import type { Evidence } from '../../core/model';
import { error, fail, pass, type Rule } from '../../core/rule';
import {
  bounded,
  LINUX,
  packageLabel,
  plural,
  RUNTIME_SOURCE,
  shellQuote,
  truncation,
  withRuntime,
} from './common';
import {
  objectContext,
  runningObjects,
  segmentFlags,
  unreadNotes,
  unrecordedExecutablesNote,
} from './running-objects';

/** e_machine of AArch64, where a missing PT_GNU_STACK means a non-executable stack. */
const EM_AARCH64 = 183;

export const softwareWithoutDep: Rule = {
  id: 'rba.software-without-dep',
  title: 'Running software has a non-executable stack (DEP)',
  findingTitle: 'Running software was built with an executable stack (no DEP)',
  description:
    'Programs and libraries whose PT_GNU_STACK program header is missing or marked executable run with an ' +
    'executable stack, so a stack buffer overflow can run injected code directly. A single such library ' +
    'makes the stack of every process that loads it executable.',
  recommendation:
    'Rebuild the listed files with a non-executable stack (the default of current compilers; link with ' +
    '-Wl,-z,noexecstack and fix any assembly without a .note.GNU-stack section), or update the package ' +
    'that ships them.',
  severity: 'Medium',
  platforms: LINUX,
  parameters: {},
  check(facts) {
    const got = withRuntime(facts, 'DEP of running software');
    if (!got.ok) return got.outcome;
    const rt = got.rt;
    const objects = runningObjects(facts, rt);
    const unread = new Map<string, number>();
    const offenders: Evidence[] = [];
    const fixes = new Set<string>();
    let judged = 0;
    let aarch64NoHeader = 0;
    for (const o of objects) {
      const elf = o.object.elf;
      if (!elf.ok) {
        unread.set(elf.reason, (unread.get(elf.reason) ?? 0) + 1);
        continue;
      }
      judged++;
      if (elf.gnuStack.present && !elf.gnuStack.executable) continue;
      if (!elf.gnuStack.present && elf.machine === EM_AARCH64) {
        aarch64NoHeader++;
        continue;
      }
      offenders.push({
        source: o.object.path,
        key: 'PT_GNU_STACK',
        value: elf.gnuStack.present
          ? `executable (${segmentFlags(elf.gnuStack.flags)}, flags 0x${elf.gnuStack.flags.toString(16)})`
          : 'absent (executable stack)',
        expected: 'present and not executable (RW-)',
        note: objectContext(o),
      });
      fixes.add(
        o.object.package
          ? `update ${packageLabel(o.object.package)} or report ${o.object.path} to its maintainers`
          : `rebuild ${o.object.path} with -Wl,-z,noexecstack (or, once tested, patchelf --clear-execstack ${shellQuote(o.object.path)})`,
      );
    }
    const trunc = truncation(
      rt,
      ['objects', 'maps', 'processSightings', 'longPaths'],
      'files not recorded were not judged',
    );
    const notes = [...unreadNotes(unread), ...unrecordedExecutablesNote(rt), ...trunc.evidence];
    if (aarch64NoHeader > 0)
      notes.push({
        source: RUNTIME_SOURCE,
        key: 'PT_GNU_STACK absent on AArch64',
        value: plural(aarch64NoHeader, 'object'),
        note: 'non-executable stack: on AArch64 neither the kernel nor glibc makes the stack executable without the header (checksec reports "NX disabled")',
      });
    if (judged === 0) {
      return error(
        objects.length === 0
          ? 'DEP of running software could not be evaluated: no executable or mapped file was recorded (an agent not running as root cannot read other users’ processes)'
          : `DEP of running software could not be evaluated: the ELF facts of none of the ${plural(objects.length, 'running file')} could be read`,
        notes.length > 0 ? notes : [{ source: RUNTIME_SOURCE, note: 'no running objects' }],
      );
    }
    const notJudged = objects.length - judged;
    const skipped = notJudged > 0 ? ` (${notJudged} not judged: ELF facts unreadable)` : '';
    if (offenders.length === 0) {
      return pass(
        `all ${plural(judged, 'running executable and library', 'running executables and libraries')} judged have a non-executable stack${skipped}.${trunc.sentence}`,
        notes,
      );
    }
    const list = [...fixes];
    return {
      ...fail(
        `${plural(offenders.length, 'running file')} of ${judged} judged ${offenders.length === 1 ? 'has' : 'have'} an executable stack: ${offenders
          .slice(0, 5)
          .map((e) => e.source)
          .join(', ')}${offenders.length > 5 ? ', …' : ''}${skipped}.${trunc.sentence}`,
        [...bounded(offenders, 'files'), ...notes],
      ),
      recommendation: `${list.slice(0, 20).join('; ')}${list.length > 20 ? `; and ${list.length - 20} more` : ''}. Then restart the processes that use them.`,
    };
  },
};
