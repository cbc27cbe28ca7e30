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

/**
 * Publishes an event's messages to the stack's run-events topic (required: a failure throws, for the state
 * machine to retry) and to the template's topics for that event (best effort: a deleted topic, one in
 * another region or an SSE topic whose key the lifecycle roles cannot use must not fail the run). Every
 * subscriber delivery failure is logged, counted in the SubscriberDeliveryFailures metric and recorded on
 * the run (deliveryFailureCount, lastDeliveryFailure), where describe-assessment-runs shows it.
 */
/** What publishing needs (a run-level state, EvaluateNetwork, builds only these). */
export type PublishDeps = Pick<LifecycleDeps, 'config' | 'notifier' | 'log' | 'metrics' | 'runs' | 'now'>;

export async function publish(
  deps: PublishDeps,
  run: StoredRun,
  event: RunEvent,
  messages: readonly EventMessage[],
) {
  if (messages.length === 0) return;
  const stackTopic = deps.config.eventsTopicArn;
  const subscribers = [...new Set(run.topics.filter((t) => t.event === event).map((t) => t.topicArn))].filter(
    (t) => t.length > 0 && t !== stackTopic,
  );
  const [required, ...optional] = await Promise.allSettled([
    stackTopic ? deps.notifier.publish(stackTopic, messages) : Promise.resolve(),
    ...subscribers.map((topic) => deps.notifier.publish(topic, messages)),
  ]);
  await Promise.all(
    optional.map(async (outcome, i) => {
      if (outcome.status === 'fulfilled') return;
      const topicArn = subscribers[i] as string;
      const error = errorText(outcome.reason);
      deps.log.warn('could not deliver an event to a subscriber topic; the run goes on', {
        runId: run.runId,
        event,
        topicArn,
        messages: messages.length,
        error,
      });
      deps.metrics.count('SubscriberDeliveryFailures', messages.length);
      await deps.runs
        .recordDeliveryFailure(run.runId, {
          topicArn,
          event,
          messages: messages.length,
          error: error.slice(0, 1000),
          at: deps.now().toISOString(),
        })
        .catch((err: unknown) =>
          deps.log.warn('could not record the delivery failure on the run', {
            runId: run.runId,
            error: errorText(err),
          }),
        );
    }),
  );
  if (required?.status === 'rejected') throw required.reason;
}

function errorText(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
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
        ...(run.suppressedFindingCounts ? { suppressedFindingCounts: run.suppressedFindingCounts } : {}),
        ...(run.failure ? { failure: run.failure } : {}),
      }),
    ]);
    // Only now: a run that is terminal without this mark had its last events lost, and is republished.
    await deps.runs.recordTerminalEventsPublished(run.runId, deps.now().toISOString());
  }
}

/**
 * FINDING_REPORTED, one message per finding, for the findings no waiver suppressed: a suppressed finding is
 * stored, marked and counted (suppressedFindingCounts in ASSESSMENT_RUN_COMPLETED), but not announced, so
 * events routed to tickets or pages never open one for an accepted risk. It is announced by the first run
 * after its waiver ended (run-lifecycle/suppression-state.ts).
 */
export function findingMessages(run: StoredRun, findings: readonly Finding[], at: string): EventMessage[] {
  return reportable(findings).map((f) =>
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

/** The findings FINDING_REPORTED announces: those no waiver suppressed. */
export function reportable<F extends Finding>(findings: readonly F[]): F[] {
  return findings.filter((f) => f.suppression === undefined);
}
