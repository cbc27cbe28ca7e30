/**
 * The instance tags a waiver's `instanceTag` criterion is judged on, in the stack: the tags StartRun
 * recorded for each instance of the run (RunInstance.tags, as EC2 had them when the run started), so the
 * evaluation, the run's counts, the events and the reports of one run all see the same tags whenever they
 * are computed. An instance recorded without tags (a run started by a version that did not record them) is
 * judged on its current EC2 tags when a fleet is given (the instances carrying each tag the rules name), and
 * matches no tag rule otherwise.
 */
import type { Fleet } from '../ports/fleet';
import { type InstanceTags, tagCriteria } from './suppression-match';
import type { SuppressionRule } from './suppressions';

export interface TaggedInstance {
  instanceId: string;
  /** Tags recorded at run start (key → value); absent when not recorded. */
  tags?: Readonly<Record<string, string>>;
}

/** EC2 allows 50 tags per instance, keys ≤ 128 and values ≤ 256 characters: at most ~19 KB a record. */
export function recordTags(
  tags: ReadonlyArray<{ key: string; value: string }> | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of tags ?? []) out[t.key] = t.value;
  return out;
}

/**
 * The tag lookup for `rules` over the instances of one run, or undefined when no rule matches by tag
 * (nothing to look up). `judged` names the instances whose findings are to be marked (default: `instances`):
 * one of them without recorded tags is looked up in `fleet` when given (EC2 is then asked once per distinct
 * tag the rules name); when every judged instance has recorded tags, EC2 is not asked.
 */
export async function instanceTagsFor(
  rules: readonly SuppressionRule[],
  instances: readonly TaggedInstance[],
  fleet?: Fleet,
  judged?: Iterable<string>,
): Promise<InstanceTags | undefined> {
  const criteria = tagCriteria(rules);
  if (criteria.length === 0) return undefined;
  const recorded = new Map<string, Readonly<Record<string, string>>>();
  for (const i of instances) if (i.tags) recorded.set(i.instanceId, i.tags);
  const missing = new Set<string>();
  for (const id of judged ?? instances.map((i) => i.instanceId)) if (!recorded.has(id)) missing.add(id);
  if (missing.size > 0 && fleet) {
    const current = new Map<string, Record<string, string>>();
    for (const t of criteria) {
      const found = await fleet.findInstances([
        t.value !== undefined ? { key: t.key, values: [t.value] } : { key: t.key },
      ]);
      for (const i of found) {
        if (!missing.has(i.instanceId)) continue;
        current.set(i.instanceId, { ...current.get(i.instanceId), ...recordTags(i.tags) });
      }
    }
    for (const [id, tags] of current) recorded.set(id, tags);
  }
  return (id) => recorded.get(id);
}
