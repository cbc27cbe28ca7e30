/**
 * The agent's bounded walk of local file systems: world-writable files, world-writable directories without
 * the sticky bit, unowned and ungrouped files, SUID and SGID files. What it found is a fact even when the
 * walk stopped early; that nothing is there is a fact only when the walk was complete.
 */
import type { WalkCategory } from '../telemetry';
import { type Fact, type Facts, fact, noFact } from './facts';

export interface WalkFindings {
  category: WalkCategory;
  /** Every match the walk saw (items holds the first ones, with mode and owner). */
  count: number;
  items: Array<{ path: string; mode: number; uid: number; gid: number }>;
  /** Matches beyond the recorded items. */
  truncated: boolean;
  /** Whether the walk covered every local file system: only then is `count === 0` an absence. */
  complete: boolean;
  /** Why the walk is incomplete (budget, unreadable directories), for the evidence. */
  incompleteBecause?: string;
  entriesVisited: number;
}

export function walkFindings(facts: Facts, category: WalkCategory): Fact<WalkFindings> {
  const w = facts.telemetry.fileSystemWalk;
  if (!w) return noFact('the file system walk was not collected (an agent before the walk)');
  if (w.status === 'missing') return noFact(`the file system walk was not run: ${w.detail}`);
  if ((category === 'unownedFiles' || category === 'ungroupedFiles') && w.ownership.status === 'missing')
    return noFact(`owners could not be judged: ${w.ownership.detail}`);
  const c = w.categories[category];
  const reasons: string[] = [];
  if (!w.complete)
    reasons.push(
      `the walk stopped at its ${w.stoppedBy ?? ''} budget after ${w.entriesVisited} entries`.replace(
        '  ',
        ' ',
      ),
    );
  if (w.unreadableDirectories > 0) reasons.push(`${w.unreadableDirectories} directories could not be read`);
  return fact({
    category,
    count: c.count,
    items: c.items,
    truncated: c.truncated,
    complete: reasons.length === 0,
    ...(reasons.length > 0 ? { incompleteBecause: reasons.join('; ') } : {}),
    entriesVisited: w.entriesVisited,
  });
}
