/**
 * ComplianceAsCode's `kernel_module_disabled` template: modprobe.d makes loading the module run
 * `/bin/false` or `/bin/true` (`install <module> /bin/false`; /usr/bin/false and /usr/bin/true, the same programs on
 * a merged /usr, are accepted too, where upstream's pattern would not), read the way kmod reads it (the first install
 * line wins, a same-named file in a higher-precedence directory hides a lower one). On Ubuntu and RHEL the
 * upstream check also wants `blacklist <module>` (the CIS benchmarks for them ask for both); on the other
 * products (Debian 12, AlmaLinux, Amazon Linux) upstream judges the install line only, and so do we.
 * A module the kernel has built in cannot be kept from loading: FAIL. On a live host a module loaded now
 * also fails; elsewhere its loaded state is unknown and only noted (upstream does not judge it).
 */
import type { Facts } from '../../../core/facts/facts';
import { loadedModules, moduleFiles, moduleLoadConfig } from '../../../core/facts/modules';
import type { Evidence } from '../../../core/model';
import { type CheckOutcome, error, fail, pass } from '../../../core/rule';
import type { BenchmarkId } from '../data';
import type { Evaluator } from './index';

/** Products whose upstream OVAL also requires the blacklist line. */
export const BLACKLIST_REQUIRED: ReadonlySet<BenchmarkId> = new Set([
  'ubuntu2204',
  'ubuntu2404',
  'rhel8',
  'rhel9',
]);

/** Upstream's install pattern: `install <module> /bin/false|/bin/true` and nothing more. */
const DISABLING = /^(\/usr)?\/bin\/(false|true)$/;

export const kernelModuleDisabled: Evaluator = (facts: Facts, input): CheckOutcome => {
  const module = input.vars.kernmodule;
  if (!module) return error(`${input.ruleId}: the template names no module`);
  const c = moduleLoadConfig(facts, module);
  if (!c.ok) return error(`the modprobe.d configuration is not known: ${c.reason}`);
  const evidence: Evidence[] = [];
  const install = c.value.install;
  evidence.push(
    install
      ? {
          source: install.file,
          line: install.line,
          key: `install ${module}`,
          value: install.args,
          expected: '/bin/false',
        }
      : { source: 'modprobe.d', key: `install ${module}`, value: '(none)', expected: '/bin/false' },
  );
  const blacklist = c.value.blacklist[0];
  const needBlacklist = BLACKLIST_REQUIRED.has(input.benchmark);
  evidence.push(
    blacklist
      ? { source: blacklist.file, line: blacklist.line, key: `blacklist ${module}`, value: 'present' }
      : {
          source: 'modprobe.d',
          key: `blacklist ${module}`,
          value: '(none)',
          ...(needBlacklist
            ? { expected: 'present' }
            : { note: 'not required by this product’s upstream check' }),
        },
  );
  const problems: string[] = [];
  const disables = install ? DISABLING.test(install.args.trim()) : false;
  if (!install) problems.push(`no "install ${module} /bin/false" line in modprobe.d`);
  else if (!disables)
    problems.push(
      `"install ${module} ${install.args}" (${install.file} line ${install.line}) does not disable it`,
    );
  if (needBlacklist && !blacklist) problems.push(`no "blacklist ${module}" line`);

  const files = moduleFiles(facts, module);
  if (files.ok) {
    const builtin = files.value.filter((r) => r.builtin).map((r) => r.release);
    if (builtin.length)
      problems.push(`built into kernel ${builtin.join(', ')} (modprobe.d cannot keep it out)`);
    evidence.push({
      source: '/lib/modules',
      key: module,
      value:
        files.value
          .map(
            (r) =>
              `${r.release}: ${r.builtin ? 'builtin' : r.files.length ? r.files.join(', ') : 'no module file'}`,
          )
          .join('; ') || '(no kernel releases)',
    });
  }
  let loadedNote = '';
  const loaded = loadedModules(facts);
  if (loaded.ok) {
    const now = loaded.value.has(c.value.module);
    evidence.push({
      source: '/proc/modules',
      key: module,
      value: now ? 'loaded' : 'not loaded',
      expected: 'not loaded',
    });
    if (now) problems.push('loaded now (/proc/modules)');
  } else loadedNote = `; whether it is loaded now is not judged (${loaded.reason})`;

  const fix =
    `Add "install ${module} /bin/false"${needBlacklist ? ` and "blacklist ${module}"` : ''} to /etc/modprobe.d/${module}.conf` +
    ` and unload it (modprobe -r ${module}).`;
  if (problems.length)
    return { ...fail(`${module} is not disabled: ${problems.join('; ')}`, evidence), recommendation: fix };
  return pass(
    `${module} cannot be loaded: install ${install!.args} (${install!.file})${blacklist ? `, blacklisted (${blacklist.file})` : ''}${loadedNote}`,
    evidence,
  );
};

export const MODULE_EVALUATORS: Record<string, Evaluator> = { kernel_module_disabled: kernelModuleDisabled };
