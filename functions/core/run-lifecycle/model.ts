/** What the run lifecycle stores about a run and each of its instances, and the state machine's data. */
import type { Attribute, Exclusion, ListeningSummary } from '../model';
import type { RuleParameters } from '../rule';
import type { RunEvent, RunRecord } from '../run';
import type { Severity } from '../severity';

export const STOP_ACTIONS = ['START_EVALUATION', 'SKIP_EVALUATION'] as const;
export type StopAction = (typeof STOP_ACTIONS)[number];

export interface StoredRun extends RunRecord {
  templateId: string;
  targetId: string;
  instanceCount: number;
  /** Copied from the template at start, so every later state sees the same values. */
  userAttributes: Attribute[];
  topics: Array<{ event: RunEvent; topicArn: string }>;
  /**
   * The template's rule parameter overrides (by rule id, then name), copied at start: EvaluateInstance reads
   * them from the run record once per instance, so the state machine's data stays ids only.
   */
  ruleParameters?: Record<string, RuleParameters>;
  executionName?: string;
  stopRequest?: { action: StopAction; at: string };
  failure?: { error: string; cause: string };
  /**
   * Failed deliveries to a template's topics (best effort; one per event and topic, a FINDING_REPORTED
   * batch of an instance counting once), and the latest such failure.
   */
  deliveryFailureCount?: number;

  /** When the events of the terminal state were published (set after they were). */
  terminalEventsPublishedAt?: string;
  lastDeliveryFailure?: DeliveryFailure;
}

export interface DeliveryFailure {
  topicArn: string;
  event: RunEvent;
  /** Messages that were not delivered in that attempt. */
  messages: number;
  error: string;
  at: string;
}

export type AgentHealth = 'HEALTHY' | 'UNHEALTHY' | 'UNKNOWN';
export type CollectionStatus =
  | 'NOT_STARTED'
  | 'PENDING'
  | 'IN_PROGRESS'
  | 'SUCCEEDED'
  | 'FAILED'
  | 'TIMED_OUT'
  | 'CANCELLED'
  | 'SKIPPED';
export type EvaluationStatus = 'PENDING' | 'EVALUATED' | 'EXCLUDED' | 'SKIPPED';

/** One instance of a run: agent health, collection, evaluation, exclusions and finding counts. */
export interface RunInstance {
  runId: string;
  instanceId: string;
  agentHealth: AgentHealth;
  agentHealthDetail?: string;
  platform?: string;
  /** EC2's architecture (x86_64, arm64, i386...): Dispatch sends the agent artifact built for it. */
  architecture?: string;
  collection: CollectionStatus;
  collectionDetail?: string;
  commandId?: string;
  /** Written before SendCommand: the batch this instance is being sent in (see dispatch-commands.ts). */
  dispatchIntent?: { batchId: string; at: string };
  evaluation: EvaluationStatus;
  exclusions: Exclusion[];
  findingCounts?: Record<Severity, number>;
  /** The part of findingCounts a waiver in force at evaluation suppressed (run-lifecycle/suppression-state.ts). */
  suppressedFindingCounts?: Record<Severity, number>;
  /** False when the instance's results were too large to keep (ports/results-store.ts); absent before. */
  resultsStored?: boolean;
  /** The part of findingCounts network reachability added (evaluate-network.ts), replaced on a retry. */
  networkFindingCounts?: Record<Severity, number>;
  /** The part of suppressedFindingCounts network reachability added, replaced on a retry. */
  networkSuppressedCounts?: Record<Severity, number>;
  hostname?: string;
  os?: string;
  /** What listened during the run and who (facts/listening.ts), for network reachability and reports. */
  listeners?: ListeningSummary;
  /** The instance's Auto Scaling group (its `aws:autoscaling:groupName` tag when the run started). */
  autoScalingGroup?: string;
  /**
   * The last error of an evaluation that could not finish (set by the batch evaluation when even recording
   * the failure as an exclusion was not possible, or when the stack's topic refused FINDING_REPORTED):
   * FinalizeRun reads it for instances still PENDING.
   */
  evaluationFailure?: { error: string; cause: string };
  /**
   * The instance's EC2 tags when the run started (key → value): waivers matching an instance tag are judged on
   * them (core/suppression-tags.ts). Absent on runs started before tags were recorded.
   */
  tags?: Record<string, string>;
  /** What the agent sent, per telemetry section, recorded at evaluation (Classic's TelemetryMetadata). */
  telemetryMetadata?: TelemetryMetadata[];
  updatedAt: string;
}

/**
 * One telemetry section of one instance: how many items and how many bytes of JSON it held (Classic's
 * messageType / count / dataSize); messageType `encryptedTelemetry` is the stored object's size.
 */
export interface TelemetryMetadata {
  messageType: string;
  count: number;
  dataSize: number;
}

/**
 * The data passed between states of the state machine: ids, counts and small scalars only, whatever the
 * fleet size (Step Functions passes at most 256 KB between states). The run's instances live in the runs
 * table (one item per instance: its agent health, command id, collection and evaluation); the instances to
 * evaluate are an S3 manifest (EvaluationManifest) that the Evaluate distributed Map reads with ItemReader.
 */
export interface RunContext {
  runId: string;
  durationSeconds: number;
  /** Instances still in the run (healthy agents, then those whose collection succeeded). */
  instanceCount: number;
  /** Commands sent (SSM Run Command, at most 50 instances each); their ids are on the instance items. */
  commandCount: number;
  /** ISO time after which polling stops waiting for invocations. */
  deadline?: string;
  pollIntervalSeconds: number;
  /** Seconds the next WaitBeforePoll waits (at most the run's poll interval, see pollWaitSeconds). */
  waitSeconds?: number;
  /** Set by PollCommands: every invocation is terminal, the deadline passed, or a stop was requested. */
  collectionDone: boolean;
  skipEvaluation: boolean;
  /**
   * Set by PollCommands when the collection is done: the S3 object listing the instances to evaluate (a JSON
   * array of instance ids) and where the Evaluate Map writes its results.
   */
  manifest?: EvaluationManifest;
}

/** Where the instances to evaluate are (the Map's ItemReader) and where the Map writes its results. */
export interface EvaluationManifest {
  bucket: string;
  key: string;
  /** The Map's ResultWriter prefix (Step Functions adds the map run's id, then manifest.json...). */
  resultsPrefix: string;
}

export interface EvaluateItem {
  runId: string;
  instanceId: string;
}

/**
 * What the Evaluate Map's item batcher gives one child execution: up to MaxItemsPerBatch items (from the
 * manifest, through the ItemSelector) and the BatchInput shared by the batch.
 */
export interface EvaluateBatch {
  Items: Array<{ instanceId: string }>;
  BatchInput: { runId: string };
}

/** An instance still in the collection: not excluded, not skipped (the runs table is the list). */
export function inCollection(i: Pick<RunInstance, 'evaluation' | 'collection'>): boolean {
  return i.evaluation === 'PENDING' && i.collection !== 'SKIPPED';
}

/**
 * The collection window is polled, never waited through in one piece, so a stop is seen within one poll
 * interval. A long run polls less often, so that its execution history stays far from Step Functions'
 * 25,000-event limit: at most MAX_COLLECTION_POLLS polls over the duration (a 24 h run polls every 87 s).
 */
export const MAX_COLLECTION_POLLS = 1000;

export function pollWaitSeconds(durationSeconds: number, pollIntervalSeconds: number): number {
  return Math.max(1, pollIntervalSeconds, Math.ceil(durationSeconds / MAX_COLLECTION_POLLS));
}
