/** What the run lifecycle needs from the outside world: ports, configuration, clock and log. */

import type { AgentArtifactUrls } from '../../ports/agent-artifact-urls';
import type { CommandRunner } from '../../ports/command-runner';
import type { EvaluationManifests } from '../../ports/evaluation-manifests';
import type { Executions } from '../../ports/executions';
import type { FindingStore } from '../../ports/finding-store';
import type { AgentFleet, Fleet } from '../../ports/fleet';
import type { KeyringProvider } from '../../ports/keyring-provider';
import type { LockStore } from '../../ports/lock-store';
import type { Notifier } from '../../ports/notifier';
import type { ResultsStore } from '../../ports/results-store';
import type { RunStore } from '../../ports/run-store';
import type { SuppressionStore } from '../../ports/suppression-store';
import type { ReportStore, TelemetryStore } from '../../ports/telemetry-store';
import type { TemplateStore } from '../../ports/template-store';
import type { Limits } from '../assessment';
import type { RulesPackage } from '../rule';
import type { AgentArtifacts } from './agent-artifacts';

export interface LifecycleLog {
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

/** CloudWatch metrics (embedded metric format in the Lambda's log). */
export interface LifecycleMetrics {
  count(name: string, value: number, dimensions?: Record<string, string>): void;
}

export interface LifecycleConfig {
  /** The stack's run-events topic: every event goes there as well as to the template's topics. */
  eventsTopicArn: string;
  agentDocumentName: string;
  /**
   * The agent artifact per instance architecture (agentKey/agentSha256 of the document). Undefined: the
   * document's default artifact is sent to every instance (a deployment that predates per-architecture
   * artifacts).
   */
  agentArtifacts?: AgentArtifacts;
  kmsKeyArn: string;
  /** Where SSM writes command output (optional). */
  commandOutput?: { bucket: string; prefix: string };
  limits: Limits;
}

export interface LifecycleDeps {
  runs: RunStore;
  findings: FindingStore;
  locks: LockStore;
  templates: TemplateStore;
  telemetry: TelemetryStore;
  /** The instances to evaluate, as the S3 manifest the Evaluate distributed Map reads. */
  manifests: EvaluationManifests;
  reports: ReportStore;
  /** Every rule's result per instance (results/<runId>/<instanceId>.json.gz), for full reports. */
  results: ResultsStore;
  fleet: Fleet;
  agents: AgentFleet;
  /**
   * The suppression rules (read only): findings a waiver in force matches are marked when evaluated, counted
   * apart and not announced (suppression-state.ts). Undefined: no waiver applies.
   */
  suppressions?: Pick<SuppressionStore, 'list'>;
  commands: CommandRunner;
  /**
   * Pre-signed download URLs of the agent artifacts (Dispatch sends one per artifact and batch). Undefined:
   * no URL is sent, and an instance runs only a version already in its cache (else exit 17, AGENT_FAILED).
   */
  artifactUrls?: AgentArtifactUrls;
  notifier: Notifier;
  keyrings: KeyringProvider;
  /** The state machine's executions: known where the state machine's ARN is (the control plane). */
  executions?: Executions;
  resolveRulesPackages(ids: readonly string[]): Promise<RulesPackage[]>;
  config: LifecycleConfig;
  now(): Date;
  /**
   * Waits: Dispatch's pacing of SendCommand and the batch evaluation's backoff between attempts; absent, a
   * real timer. Tests pass one that moves a fake clock or returns at once.
   */
  sleep?(ms: number): Promise<void>;
  log: LifecycleLog;
  metrics: LifecycleMetrics;
}
