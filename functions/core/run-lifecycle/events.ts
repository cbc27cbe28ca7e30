/** State changes (recorded in the run's history) and the events published for them. */

import type { EventMessage } from '../../ports/notifier';
import type { TransitionOptions } from '../../ports/run-store';
import type { Finding } from '../model';
import type { RunEvent, RunState } from '../run';
import { TERMINAL_RUN_STATES } from '../run';
import type { LifecycleDeps } from './deps';
import type { StoredRun } from './model';

export interface RunEventBody {
  event: RunEvent;
  runId: string;
  runName: string;
  templateId: string;
  state: RunState;
  at: string;
  [extra: string]: unknown;
}

function topicsFor(deps: LifecycleDeps, run: StoredRun, event: RunEvent): string[] {
  const topics = [
    deps.config.eventsTopicArn,
    ...run.topics.filter((t) => t.event === event).map((t) => t.topicArn),
  ];
  return [...new Set(topics.filter((t) => t.length > 0))];
}

export function eventMessage(
  run: StoredRun,
  event: RunEvent,
  at: string,
  extra: Record<string, unknown> = {},
): EventMessage {
  const body: RunEventBody = {
    event,
    runId: run.runId,
    runName: run.name,
    templateId: run.templateId,
    state: run.state,
    at,
    ...extra,
  };
  return {
    subject: `Inspector ${event} ${run.runId}`,
    body: JSON.stringify(body),
    attributes: { event, runId: run.runId, templateId: run.templateId },
  };
}

export async function publish(
  deps: LifecycleDeps,
  run: StoredRun,
  event: RunEvent,
  messages: readonly EventMessage[],
) {
  if (messages.length === 0) return;
  await Promise.all(topicsFor(deps, run, event).map((topic) => deps.notifier.publish(topic, messages)));
}

/**
 * Moves the run to `to` (state history), publishes ASSESSMENT_RUN_STATE_CHANGED, and for a terminal state
 * also ASSESSMENT_RUN_COMPLETED. Returns undefined when the run is missing or already terminal. A retry of a
 * terminal change (the run is already in `to`: the earlier attempt may have failed before or while
 * publishing) publishes its events again rather than never: events are delivered at least once.
 */
export async function changeState(
  deps: LifecycleDeps,
  runId: string,
  to: RunState,
  patch?: TransitionOptions['patch'],
): Promise<StoredRun | undefined> {
  const at = deps.now().toISOString();
  const run = await deps.runs.transition(runId, to, { at, ...(patch ? { patch } : {}) });
  if (!run) {
    const current = TERMINAL_RUN_STATES.includes(to) ? await deps.runs.getRun(runId) : undefined;
    if (current?.state === to) {
      deps.log.info('run already in this terminal state (retry): publishing its events again', {
        runId,
        state: to,
      });
      await publishStateEvents(deps, current, to, current.stateHistory.at(-1)?.at ?? at);
      return current;
    }
    deps.log.warn('state change not applied: run missing or terminal', { runId, to });
    return undefined;
  }
  deps.log.info('run state changed', { runId, state: to });
  await publishStateEvents(deps, run, to, at);
  return run;
}

async function publishStateEvents(deps: LifecycleDeps, run: StoredRun, to: RunState, at: string) {
  await publish(deps, run, 'ASSESSMENT_RUN_STATE_CHANGED', [
    eventMessage(run, 'ASSESSMENT_RUN_STATE_CHANGED', at),
  ]);
  if (TERMINAL_RUN_STATES.includes(to)) {
    await publish(deps, run, 'ASSESSMENT_RUN_COMPLETED', [
      eventMessage(run, 'ASSESSMENT_RUN_COMPLETED', at, {
        findingCounts: run.findingCounts,
        ...(run.failure ? { failure: run.failure } : {}),
      }),
    ]);
  }
}

export function findingMessages(run: StoredRun, findings: readonly Finding[], at: string): EventMessage[] {
  return findings.map((f) =>
    eventMessage(run, 'FINDING_REPORTED', at, {
      finding: {
        id: f.id,
        instanceId: f.instanceId,
        rulesPackage: f.rulesPackage,
        ruleId: f.ruleId,
        severity: f.severity,
        title: f.title,
      },
    }),
  );
}
