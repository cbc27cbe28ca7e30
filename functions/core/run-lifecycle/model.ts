/** What the run lifecycle stores about a run and each of its instances, and the state machine's data. */
import type { Attribute, Exclusion } from '../model';
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
  executionName?: string;
  stopRequest?: { action: StopAction; at: string };
  failure?: { error: string; cause: string };
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
  evaluation: EvaluationStatus;
  exclusions: Exclusion[];
  findingCounts?: Record<Severity, number>;
  hostname?: string;
  os?: string;
  updatedAt: string;
}

/** The data passed between states of the state machine: small (ids only), whatever the fleet size. */
export interface RunContext {
  runId: string;
  durationSeconds: number;
  /** Instances still in the run (healthy agents, then those whose collection succeeded). */
  instanceIds: string[];
  commandIds: string[];
  /** ISO time after which polling stops waiting for invocations. */
  deadline?: string;
  pollIntervalSeconds: number;
  /** Set by PollCommands: every invocation is terminal, the deadline passed, or a stop was requested. */
  collectionDone: boolean;
  skipEvaluation: boolean;
}

export interface EvaluateItem {
  runId: string;
  instanceId: string;
}
