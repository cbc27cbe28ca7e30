/**
 * ComplianceAsCode's mount templates:
 * - mount: the mount point is a separate file system. Upstream asks the running system (/proc/mounts); we
 *   also read how it is configured (fstab, or a systemd mount unit such as tmp.mount): not configured and
 *   not mounted fails; on a root that is not a running system a configured mount point is NOT_APPLICABLE
 *   (whether it is mounted is runtime-only), never PASS.
 * - mount_option: the option is on the mounted file system (when mounted) AND on its configuration. With
 *   `mount_has_to_exist` false (upstream's name: the mount must be configured to be judged... inverted),
 *   a mount point configured nowhere fails; by default (true) a mount point configured nowhere passes.
 *   The configuration is /etc/fstab or a mount unit (systemd-fstab-generator's view); runtime-only
 *   verdicts as above.
 */
import type { Facts } from '../../../core/facts/facts';
import { configuredMount, liveMount } from '../../../core/facts/mounts';
import type { Evidence } from '../../../core/model';
import { type CheckOutcome, error, fail, notApplicable, pass } from '../../../core/rule';
import { mountOption } from '../../../parsers/fstab';
import type { Evaluator } from './index';
import { notLive } from './template-helpers';

export const mountSeparate: Evaluator = (facts: Facts, input): CheckOutcome => {
  const point = input.vars.mountpoint;
  if (!point) return error(`${input.ruleId}: the template names no mount point`);
  const conf = configuredMount(facts, point);
  if (!conf.ok) return error(`how ${point} is mounted is not known: ${conf.reason}`);
  const evidence: Evidence[] = [
    conf.value
      ? {
          source: conf.value.path,
          ...(conf.value.line ? { line: conf.value.line } : {}),
          key: point,
          value: `${conf.value.spec ?? '?'} ${conf.value.fsType ?? '?'} ${conf.value.options.join(',')}`,
        }
      : {
          source: '/etc/fstab',
          key: point,
          value: '(not configured)',
          note: 'no fstab line and no mount unit',
        },
  ];
  const fix = `Give ${point} its own file system: a partition or logical volume (or tmpfs for /tmp, /dev/shm) with a line in /etc/fstab, then mount it.`;
  const live = liveMount(facts, point);
  if (live.ok) {
    evidence.push({
      source: '/proc/self/mounts',
      key: point,
      value: live.value
        ? `${live.value.spec} ${live.value.fsType} ${live.value.options.join(',')}`
        : '(not mounted)',
    });
    if (live.value)
      return pass(
        `${point} is a separate file system (${live.value.fsType} from ${live.value.spec})`,
        evidence,
      );
    return {
      ...fail(
        `${point} is not a separate file system (not mounted${conf.value ? `, though ${conf.value.path} configures it` : ''})`,
        evidence,
      ),
      recommendation: fix,
    };
  }
  if (!conf.value)
    return { ...fail(`${point} is not configured as a separate file system`, evidence), recommendation: fix };
  if (notLive(facts))
    return notApplicable(
      `${point} is configured in ${conf.value.path}, but whether it is mounted is not known: ${live.reason}`,
      evidence,
    );
  return error(`the mounts of this host are not known: ${live.reason}`, evidence);
};

export const mountOptionEvaluator: Evaluator = (facts: Facts, input): CheckOutcome => {
  const point = input.vars.mountpoint;
  const option = input.vars.mountoption;
  if (!point || !option) return error(`${input.ruleId}: the template names no mount point or option`);
  const mustBeConfigured = input.vars.mount_has_to_exist === 'false';
  const has = (opts: readonly string[]) => mountOption(opts, option) !== false;
  const conf = configuredMount(facts, point);
  if (!conf.ok) return error(`how ${point} is mounted is not known: ${conf.reason}`);
  const evidence: Evidence[] = [];
  const problems: string[] = [];
  if (conf.value) {
    evidence.push({
      source: conf.value.path,
      ...(conf.value.line ? { line: conf.value.line } : {}),
      key: point,
      value: conf.value.options.join(','),
      expected: option,
    });
    if (!has(conf.value.options)) problems.push(`${conf.value.path} mounts ${point} without ${option}`);
  } else {
    evidence.push({
      source: '/etc/fstab',
      key: point,
      value: '(not configured)',
      note: mustBeConfigured ? `must be configured with ${option}` : 'not configured: nothing to judge',
    });
    if (mustBeConfigured) problems.push(`${point} is not configured (fstab or a mount unit) with ${option}`);
  }
  const live = liveMount(facts, point);
  if (live.ok && live.value) {
    evidence.push({
      source: '/proc/self/mounts',
      key: point,
      value: live.value.options.join(','),
      expected: option,
    });
    if (!has(live.value.options)) problems.push(`${point} is mounted without ${option}`);
  } else if (live.ok) evidence.push({ source: '/proc/self/mounts', key: point, value: '(not mounted)' });
  const fix = `Add ${option} to the options of ${point} in ${conf.ok && conf.value ? conf.value.path : '/etc/fstab'} and remount it (mount -o remount,${option} ${point}).`;
  if (problems.length) return { ...fail(problems.join('; '), evidence), recommendation: fix };
  if (!conf.value && !mustBeConfigured)
    return pass(`${point} is not a separate mount: the option check does not apply`, evidence);
  if (!live.ok) {
    const why = `${point} is configured with ${option}, but the mounted options are not known: ${live.reason}`;
    return notLive(facts) ? notApplicable(why, evidence) : error(why, evidence);
  }
  return pass(
    `${point} has ${option}${live.value ? ' (mounted and configured)' : ' (configured; not mounted now)'}`,
    evidence,
  );
};

export const MOUNT_EVALUATORS: Record<string, Evaluator> = {
  mount: mountSeparate,
  mount_option: mountOptionEvaluator,
};
