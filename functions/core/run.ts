/** Assessment runs: Classic's states and events, and the record every store keeps. */
import type { Exclusion, Finding, InstanceSummary, RuleResult } from './model';
import type { CisContext, RuleParameters } from './rule';
import type { Severity } from './severity';

export const RUN_STATES = [
  'CREATED',
  'START_DATA_COLLECTION_PENDING',
  'START_DATA_COLLECTION_IN_PROGRESS',
  'COLLECTING_DATA',
  'STOP_DATA_COLLECTION_PENDING',
  'DATA_COLLECTED',
  'START_EVALUATING_RULES_PENDING',
  'EVALUATING_RULES',
  'COMPLETED',
  'COMPLETED_WITH_ERRORS',
  'FAILED',
  'ERROR',
  'CANCELED',
] as const;
export type RunState = (typeof RUN_STATES)[number];

export const TERMINAL_RUN_STATES: readonly RunState[] = [
  'COMPLETED',
  'COMPLETED_WITH_ERRORS',
  'FAILED',
  'ERROR',
  'CANCELED',
];

export const RUN_EVENTS = [
  'ASSESSMENT_RUN_STARTED',
  'ASSESSMENT_RUN_STATE_CHANGED',
  'FINDING_REPORTED',
  'ASSESSMENT_RUN_COMPLETED',
] as const;
export type RunEvent = (typeof RUN_EVENTS)[number];

export interface RunRecord {
  runId: string;
  name: string;
  templateId?: string;
  state: RunState;
  stateHistory: Array<{ state: RunState; at: string }>;
  createdAt: string;
  startedAt?: string;
  completedAt?: string;
  durationSeconds: number;
  rulesPackages: string[];
  findingCounts: Record<Severity, number>;
  /**
   * The part of findingCounts a waiver suppressed when the run was evaluated (core/suppressions.ts): those
   * findings are kept, marked and counted apart. Absent on runs from before waivers were counted.
   */
  suppressedFindingCounts?: Record<Severity, number>;
  /** Where the run was assessed from: `local` (inspector assess) or `aws`. */
  mode: 'local' | 'aws';
  /** Rule parameter overrides the run was evaluated with (by rule id). */
  ruleParameters?: Record<string, RuleParameters>;
  /** The CIS profile and tailoring the run was evaluated with, when `cis` ran. */
  cis?: CisContext;
}

/** The document `inspector assess --format json` prints (DESIGN.md contract), also the report's input. */
export interface AssessmentOutput {
  run: RunRecord;
  instances: InstanceSummary[];
  results: RuleResult[];
  findings: Finding[];
  exclusions: Exclusion[];
}
