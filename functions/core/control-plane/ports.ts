/**
 * The small ports the control-plane operations need. AWS implementations live in functions/adapters/aws/
 * (targets/templates repositories, findings-query, scheduler) and functions/handlers/control-plane/aws-deps.ts;
 * tests use the same adapters against DynamoDB Local and SDK mocks.
 */
import type { AgentFleet, Fleet } from '../../ports/fleet';
import type { SuppressionStore } from '../../ports/suppression-store';
import type { AssessmentTarget, AssessmentTemplate, Limits } from '../assessment';
import type { Attribute, Finding } from '../model';
import type { RunEvent, RunRecord, RunState } from '../run';
import type { AgentArtifacts } from '../run-lifecycle/agent-artifacts';
import type { RunInstance as StoredInstance } from '../run-lifecycle/model';
import type { Severity } from '../severity';
import type { AssessmentReportDeps } from './assessment-reports';

export interface Page<T> {
  items: T[];
  nextToken?: string;
}

export interface PageRequest {
  maxResults: number;
  nextToken?: string;
}

export interface TargetsStore {
  /** Fails with `false` when the id already exists (ids are generated, so this only guards retries). */
  create(target: AssessmentTarget): Promise<void>;
  /** Replaces name and tags of an existing target; `false` when there is no such target. */
  update(target: AssessmentTarget): Promise<boolean>;
  get(targetId: string): Promise<AssessmentTarget | undefined>;
  delete(targetId: string): Promise<boolean>;
  list(page: PageRequest): Promise<Page<AssessmentTarget>>;
  count(): Promise<number>;
}

export interface TemplatesStore {
  create(template: AssessmentTemplate): Promise<void>;
  get(templateId: string): Promise<AssessmentTemplate | undefined>;
  delete(templateId: string): Promise<boolean>;
  list(page: PageRequest): Promise<Page<AssessmentTemplate>>;
  count(): Promise<number>;
  /** Templates that use a target (for delete-assessment-target). */
  listByTarget(targetId: string): Promise<AssessmentTemplate[]>;
  /** Tags and event subscriptions are the only mutable parts of a template (as in Classic). */
  setTags(templateId: string, tags: AssessmentTemplate['tags']): Promise<boolean>;
  /** Sets the topics if they still equal `expected`; false when the template is gone or they changed. */
  replaceTopics(
    templateId: string,
    expected: AssessmentTemplate['topics'],
    topics: AssessmentTemplate['topics'],
  ): Promise<boolean>;
}

/** One instance of a run (runs table item `INSTANCE#<id>`), as far as the control plane shows it. */
export interface RunInstance {
  instanceId: string;
  agentStatus?: string;
  hostname?: string;
  [key: string]: unknown;
}

export interface RunListFilter {
  templateId?: string;
  states?: RunState[];
  namePattern?: string;
  createdAfter?: string;
  createdBefore?: string;
}

/** A run as stored (the lifecycle adds fields such as targetId, instanceCount, stopRequest, failure). */
export type RunView = RunRecord & { instanceCount?: number; targetId?: string };

export interface RunsReader {
  get(runId: string): Promise<RunView | undefined>;
  instances(runId: string): Promise<RunInstance[]>;
  /**
   * The instances of a run without their large parts (the listeners summary): agent health, collection,
   * evaluation, exclusions, Auto Scaling group, telemetry metadata.
   */
  instanceSummaries(runId: string): Promise<StoredInstance[]>;
  /** One instance of a run, undefined when the run has no such instance. */
  instance(runId: string, instanceId: string): Promise<StoredInstance | undefined>;
  list(filter: RunListFilter, page: PageRequest): Promise<Page<RunView>>;
  /** Runs not in a terminal state, optionally of one template. */
  active(templateId?: string): Promise<RunView[]>;
}

export interface FindingFilter {
  runIds?: string[];
  instanceIds?: string[];
  severities?: Severity[];
  rulesPackages?: string[];
  attributes?: Attribute[];
  createdAfter?: string;
  createdBefore?: string;
}

export interface FindingKey {
  runId: string;
  findingId: string;
}

export interface FindingsStore {
  list(filter: FindingFilter, page: PageRequest): Promise<Page<Finding>>;
  get(key: FindingKey): Promise<Finding | undefined>;
  /** Replaces the attributes of one finding if they are still `expected` (optimistic); false on conflict. */
  replaceAttributes(key: FindingKey, expected: Attribute[], attributes: Attribute[]): Promise<boolean>;
}

export type AgentHealth = 'HEALTHY' | 'UNHEALTHY' | 'UNKNOWN';

export interface AgentPreview {
  instanceId: string;
  autoScalingGroup?: string;
  agentHealth: AgentHealth;
  /** SSM PingStatus, or NO_AGENT when the instance has no registered SSM agent. */
  agentStatus: string;
  agentVersion?: string;
  operatingSystem?: string;
  instanceState?: string;
}

/** Instance ids currently locked by an active run (the runs' lock table). */
export interface LocksReader {
  lockedBy(instanceIds: string[]): Promise<Map<string, string>>;
}

export interface RunStarter {
  /** StartExecution of the assessment state machine; returns the execution ARN. */
  start(input: { templateId: string; runId: string; name: string }): Promise<string>;
}

export const STOP_ACTIONS = ['START_EVALUATION', 'SKIP_EVALUATION'] as const;
export type StopAction = (typeof STOP_ACTIONS)[number];

/** Stop and delete belong to the run lifecycle; the control plane calls them through this port. */
export interface RunControl {
  stop(runId: string, stopAction: StopAction): Promise<void>;
  delete(runId: string): Promise<void>;
}

export interface TemplateScheduler {
  upsert(templateId: string, expression: string): Promise<void>;
  remove(templateId: string): Promise<void>;
}

export const PREVIEW_STATUSES = ['WORK_IN_PROGRESS', 'COMPLETED'] as const;
export type PreviewStatus = (typeof PREVIEW_STATUSES)[number];

/** Classic's Exclusion / ExclusionPreview: what could not be assessed, why, and what to do. */
export interface ExclusionView {
  title: string;
  description: string;
  recommendation: string;
  /** INSTANCE_ID scopes (and RULES_PACKAGE when only one package of the instance was excluded). */
  scopes: Array<{ key: 'INSTANCE_ID' | 'RULES_PACKAGE'; value: string }>;
  attributes: Array<{ key: string; value: string }>;
}

/** One exclusions preview of a template, as stored. `FAILED` is internal: get-exclusions-preview reports it. */
export interface ExclusionsPreview {
  templateId: string;
  previewToken: string;
  status: PreviewStatus | 'FAILED';
  createdAt: string;
  completedAt?: string;
  exclusions?: ExclusionView[];
  failure?: string;
}

export interface ExclusionsPreviewStore {
  /**
   * Records a new preview (WORK_IN_PROGRESS) unless one of the same template is still in progress and was
   * created after `staleBefore`: then nothing is written and the token of that preview is returned.
   */
  create(
    preview: ExclusionsPreview,
    staleBefore: string,
  ): Promise<{ created: true } | { inProgress: string }>;
  get(templateId: string, previewToken: string): Promise<ExclusionsPreview | undefined>;
  /** Sets the outcome (COMPLETED with exclusions, or FAILED with the reason). */
  finish(
    templateId: string,
    previewToken: string,
    outcome: { status: 'COMPLETED'; exclusions: ExclusionView[] } | { status: 'FAILED'; failure: string },
    at: string,
  ): Promise<void>;
}

/** What the asynchronous computation of a preview needs to find it. */
export interface ExclusionsPreviewJob {
  templateId: string;
  previewToken: string;
}

/** Starts the computation of a preview without waiting for it (an asynchronous Lambda invocation). */
export interface PreviewJobs {
  start(job: ExclusionsPreviewJob): Promise<void>;
}

export interface ControlPlaneDeps {
  targets: TargetsStore;
  templates: TemplatesStore;
  runs: RunsReader;
  findings: FindingsStore;
  /** EC2 (running instances by tags) and SSM (agent information): the run lifecycle's ports. */
  fleet: Fleet;
  agents: AgentFleet;
  locks: LocksReader;
  starter: RunStarter;
  runControl: RunControl;
  scheduler: TemplateScheduler;
  limits: Limits;
  /** The agent artifacts Dispatch sends per architecture (undefined: the document's default for all). */
  agentArtifacts?: AgentArtifacts;
  previews: ExclusionsPreviewStore;
  previewJobs: PreviewJobs;
  /** Suppression rules and their audit log (the findings function; undefined elsewhere). */
  suppressions?: SuppressionStore;
  /** get-assessment-report and its render: the reports function only (assessment-reports.ts). */
  reports?: AssessmentReportDeps;
  now: () => Date;
  newId: (prefix: string) => string;
}

export type { RunEvent, StoredInstance };
