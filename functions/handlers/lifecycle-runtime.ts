/**
 * Shared by the run-lifecycle handlers: one Powertools logger and the dependencies, built once per Lambda
 * container from the environment. `configureLifecycle` lets a local harness replace parts (tests, bench).
 * What only EvaluateInstance needs (the rules packages, the telemetry keyring and the Encryption SDK behind
 * it) comes from evaluation-runtime.ts, which that handler alone imports: the other lifecycle bundles stay
 * free of it (test/infra/inspector-stack.test.ts bounds every bundle's size).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { agentArtifactUrlsFromEnv } from '../adapters/aws/agent-artifact-urls';
import { agentArtifactsFromEnv } from '../adapters/aws/environment';
import { lifecycleDepsFromEnv, type RulesPackageResolver } from '../adapters/aws/lifecycle-deps';
import type { LifecycleDeps, LifecycleLog } from '../core/run-lifecycle/deps';
import type { KeyringProvider } from '../ports/keyring-provider';

export const logger = new Logger({ serviceName: 'inspector-run-lifecycle' });

export const log: LifecycleLog = {
  info: (message, extra) => (extra ? logger.info(message, extra) : logger.info(message)),
  warn: (message, extra) => (extra ? logger.warn(message, extra) : logger.warn(message)),
  error: (message, extra) => (extra ? logger.error(message, extra) : logger.error(message)),
};

/** The parts of the dependencies only the evaluating Lambda has (evaluation-runtime.ts). */
export interface EvaluationParts {
  resolveRulesPackages: RulesPackageResolver;
  keyrings(): KeyringProvider;
  /** Forgets cached packages (configureLifecycle). */
  reset(): void;
}

let evaluation: EvaluationParts | undefined;

/** Called by evaluation-runtime.ts when EvaluateInstance's handler loads it. */
export function enableEvaluation(parts: EvaluationParts): void {
  evaluation = parts;
  deps = undefined;
}

/** In a Lambda that does not evaluate: a clear error, should a state ever ask it to. */
const notHere = (what: string) =>
  new Error(
    `${what} only in the EvaluateInstance Lambda (its handler loads functions/handlers/evaluation-runtime.ts)`,
  );
const noRulesPackages: RulesPackageResolver = async () => {
  throw notHere('rules packages are loaded');
};
const noKeyrings: KeyringProvider = {
  session() {
    throw notHere('telemetry is decrypted');
  },
};

let deps: LifecycleDeps | undefined;
let overrides: Partial<LifecycleDeps> = {};

export function lifecycleDeps(): LifecycleDeps {
  if (!deps) {
    const fromEnv = lifecycleDepsFromEnv(log, evaluation?.resolveRulesPackages ?? noRulesPackages);
    // Dispatch's per-architecture agent artifacts (set on that Lambda only) and their download URLs.
    const agentArtifacts = agentArtifactsFromEnv();
    const artifactUrls = agentArtifacts ? agentArtifactUrlsFromEnv() : undefined;
    deps = {
      ...fromEnv,
      ...(artifactUrls ? { artifactUrls } : {}),
      keyrings: evaluation ? evaluation.keyrings() : noKeyrings,
      config: { ...fromEnv.config, ...(agentArtifacts ? { agentArtifacts } : {}) },
      ...overrides,
    };
  }
  return deps;
}

/** Replace parts of the dependencies (and rebuild the rest from the environment on next use). */
export function configureLifecycle(parts: Partial<LifecycleDeps>): void {
  overrides = parts;
  deps = undefined;
  evaluation?.reset();
}
