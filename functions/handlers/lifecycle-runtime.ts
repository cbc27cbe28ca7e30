/**
 * Shared by the run-lifecycle handlers: one Powertools logger and the dependencies, built once per Lambda
 * container from the environment. `configureLifecycle` lets a local harness replace parts (tests, bench).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { lifecycleDepsFromEnv, type RulesPackageResolver } from '../adapters/aws/lifecycle-deps';
import type { RulesPackage } from '../core/rule';
import type { LifecycleDeps, LifecycleLog } from '../core/run-lifecycle/deps';

export const logger = new Logger({ serviceName: 'inspector-run-lifecycle' });

const log: LifecycleLog = {
  info: (message, extra) => (extra ? logger.info(message, extra) : logger.info(message)),
  warn: (message, extra) => (extra ? logger.warn(message, extra) : logger.warn(message)),
  error: (message, extra) => (extra ? logger.error(message, extra) : logger.error(message)),
};

const packageCache = new Map<string, Promise<RulesPackage[]>>();

/** The rules packages of a template, from the registry; loaded once per container per package list. */
const registryResolver: RulesPackageResolver = (ids) => {
  const key = [...ids].sort().join(',');
  let p = packageCache.get(key);
  if (!p) {
    p = import('../rules/registry').then((r) => r.resolveRulesPackages(ids));
    p.catch(() => packageCache.delete(key));
    packageCache.set(key, p);
  }
  return p;
};

let deps: LifecycleDeps | undefined;
let overrides: Partial<LifecycleDeps> = {};

export function lifecycleDeps(): LifecycleDeps {
  deps ??= { ...lifecycleDepsFromEnv(log, registryResolver), ...overrides };
  return deps;
}

/** Replace parts of the dependencies (and rebuild the rest from the environment on next use). */
export function configureLifecycle(parts: Partial<LifecycleDeps>): void {
  overrides = parts;
  deps = undefined;
  packageCache.clear();
}
