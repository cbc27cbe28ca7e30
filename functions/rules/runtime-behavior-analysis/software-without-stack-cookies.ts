/**
 * rba.software-without-stack-cookies: running executables and libraries built without stack-smashing
 * protection (stack cookies, or canaries).
 *
 * What is judged, like checksec's canary column over the dynamic symbol table: a file has stack cookies
 * when its .dynsym references or defines `__stack_chk_fail` or `__stack_chk_guard` (some architectures
 * read the guard from the symbol rather than from the thread pointer); it has none when both are absent.
 * Not judged, and counted: files whose ELF facts could not be read; files whose dynamic symbol table is
 * absent or was not read (statically linked and static-pie programs carry libc's own `__stack_chk_fail` in
 * .symtab, which says nothing about how the program was compiled: "cannot tell"); and the dynamic loader
 * (ld-linux*.so, ld64.so: glibc builds it with its own internal, unexported stack protector).
 * Like checksec, this sees the check, not the compiler flag: a program whose protected functions never return
 * (the canary is loaded but the compiler dropped the unreachable check) names no `__stack_chk_fail` and is
 * reported.
 *
 * Parameter `scope`: `third-party` (default, Classic's wording) judges only files no package owns, as the
 * agent's package lookup says (`runtime.packageOwners`); when the lookup was not done, every file counts
 * and the message says so. `all` judges distribution files too; expect findings for glibc's stub
 * libraries (libdl.so.2, libpthread.so.0 on glibc ≥ 2.34), which hold no code to protect.
 */
import { packageOwnership } from '../../core/facts/runtime';
import type { Evidence } from '../../core/model';
import { error, fail, notApplicable, pass, type Rule } from '../../core/rule';
import { bounded, LINUX, packageLabel, plural, RUNTIME_SOURCE, truncation, withRuntime } from './common';
import {
  objectContext,
  type RunningObject,
  runningObjects,
  unreadNotes,
  unrecordedExecutablesNote,
} from './running-objects';

const LOADER = /^ld(?:64)?[-.].*\.so(?:\.\d+)*$/;

function isLoader(o: RunningObject): boolean {
  const elf = o.object.elf;
  const soname = elf.ok ? elf.dynamic?.soname : undefined;
  const base = o.object.path.slice(o.object.path.lastIndexOf('/') + 1);
  return LOADER.test(soname ?? base);
}

export const softwareWithoutStackCookies: Rule<{ scope: string }> = {
  id: 'rba.software-without-stack-cookies',
  title: 'Running software is built with stack cookies',
  findingTitle: 'Running software was built without stack cookies',
  description:
    'Programs and libraries compiled without stack-smashing protection (-fstack-protector-strong) do not ' +
    'check a canary before returning from a function, so a stack buffer overflow can overwrite the return ' +
    'address unnoticed. Judged on the dynamic symbol table, as checksec does.',
  recommendation:
    'Rebuild the listed software with -fstack-protector-strong (and the rest of the usual hardening flags: ' +
    '-D_FORTIFY_SOURCE=2, -fPIE -pie, -Wl,-z,relro,-z,now), or ask its vendor for a hardened build.',
  severity: 'Medium',
  platforms: LINUX,
  parameters: { scope: 'third-party' },
  check(facts, params) {
    const scope = String(params.scope);
    if (scope !== 'third-party' && scope !== 'all')
      return error(`parameter scope must be "third-party" or "all"; got ${JSON.stringify(params.scope)}`);
    const got = withRuntime(facts, 'stack cookies of running software');
    if (!got.ok) return got.outcome;
    const rt = got.rt;
    const objects = runningObjects(facts, rt);
    const owners = packageOwnership(rt);
    const thirdPartyOnly = scope === 'third-party' && owners.looked;
    const inScope = thirdPartyOnly ? objects.filter((o) => !o.object.package) : objects;
    const scopeText =
      scope === 'all'
        ? 'all running files'
        : owners.looked
          ? 'running files no package owns'
          : `all running files (${owners.why}, so third-party files cannot be told apart)`;
    const scopeEv: Evidence = {
      source: RUNTIME_SOURCE,
      key: 'scope',
      value: scope,
      note: `judged: ${scopeText}; ${plural(objects.length - inScope.length, 'package-owned file')} out of scope`,
    };

    const unread = new Map<string, number>();
    const cannotTell = new Map<string, number>();
    const tell = (why: string) => cannotTell.set(why, (cannotTell.get(why) ?? 0) + 1);
    let loaders = 0;
    let judged = 0;
    const offenders: Evidence[] = [];
    const fixes = new Set<string>();
    for (const o of inScope) {
      const elf = o.object.elf;
      if (!elf.ok) {
        unread.set(elf.reason, (unread.get(elf.reason) ?? 0) + 1);
        continue;
      }
      if (isLoader(o)) {
        loaders++;
        continue;
      }
      const s = elf.symbols;
      if (elf.staticallyLinked) tell('statically linked');
      else if (!elf.interp && elf.dynamic?.flags1Pie && elf.dynamic.needed.length === 0) tell('static-pie');
      else if (s.unread) tell('dynamic symbol table not read');
      else if (s.source === 'none') tell('no dynamic symbol table');
      else {
        judged++;
        if (s.stackChkFail !== 'absent' || s.stackChkGuard !== 'absent') continue;
        offenders.push({
          source: o.object.path,
          key: '__stack_chk_fail',
          value: `absent (${s.count} dynamic symbols, none of __stack_chk_fail / __stack_chk_guard)`,
          expected: 'referenced or defined',
          note: objectContext(o),
        });
        fixes.add(
          o.object.package
            ? `update ${packageLabel(o.object.package)} or ask its maintainers for a build with -fstack-protector-strong`
            : `rebuild ${o.object.path} with -fstack-protector-strong`,
        );
      }
    }

    const trunc = truncation(
      rt,
      ['objects', 'maps', 'processSightings', 'longPaths'],
      'files not recorded were not judged',
    );
    const notes: Evidence[] = [scopeEv, ...unreadNotes(unread), ...unrecordedExecutablesNote(rt)];
    for (const [why, n] of [...cannotTell].sort()) {
      notes.push({ source: RUNTIME_SOURCE, key: 'cannot tell', value: plural(n, 'object'), note: why });
    }
    if (loaders > 0)
      notes.push({
        source: RUNTIME_SOURCE,
        key: 'dynamic loader not judged',
        value: plural(loaders, 'object'),
        note: 'ld.so is built with an internal stack protector that its dynamic symbols do not show',
      });
    notes.push(...trunc.evidence);

    if (objects.length === 0) {
      return error(
        'stack cookies of running software could not be evaluated: no executable or mapped file was recorded (an agent not running as root cannot read other users’ processes)',
        notes,
      );
    }
    if (inScope.length === 0) {
      return notApplicable(
        `no running file is in scope (${scopeText}): all ${objects.length} are package-owned`,
        notes,
      );
    }
    if (judged === 0) {
      return error(
        `stack cookies could not be judged for any of the ${plural(inScope.length, 'file')} in scope (${scopeText})`,
        notes,
      );
    }
    if (offenders.length === 0) {
      return pass(
        `all ${plural(judged, 'file')} judged (${scopeText}) have stack cookies.${trunc.sentence}`,
        notes,
      );
    }
    const list = [...fixes];
    return {
      ...fail(
        `${plural(offenders.length, 'running file')} of ${judged} judged (${scopeText}) ${offenders.length === 1 ? 'has' : 'have'} no stack cookies: ${offenders
          .slice(0, 5)
          .map((e) => e.source)
          .join(', ')}${offenders.length > 5 ? ', …' : ''}.${trunc.sentence}`,
        [...bounded(offenders, 'files'), ...notes],
      ),
      recommendation: `${list.slice(0, 20).join('; ')}${list.length > 20 ? `; and ${list.length - 20} more` : ''}. Then restart the processes that use them.`,
    };
  },
};
