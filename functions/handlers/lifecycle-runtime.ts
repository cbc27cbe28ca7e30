/**
 * Shared by the run-lifecycle handlers: one Powertools logger and the dependencies, built once per Lambda
 * container from the environment. `configureLifecycle` lets a local harness replace parts (tests, bench).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { agentArtifactsFromEnv, ENV } from '../adapters/aws/environment';
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
const cvePackages = new Map<string, Promise<RulesPackage>>();

/**
 * The `cve` package over the feed bucket's published index (FEED_BUCKET), or undefined without a bucket.
 * One per bucket per container; the index inside re-reads the feed pointer by itself, so caching it is safe.
 */
function cveLoader(env: NodeJS.ProcessEnv = process.env): (() => Promise<RulesPackage>) | undefined {
  const bucket = env[ENV.feedBucket];
  if (!bucket) return undefined;
  return () => {
    let p = cvePackages.get(bucket);
    if (!p) {
      p = Promise.all([
        import('../adapters/aws/s3-feed-store'),
        import('../core/feeds-cloud/cloud-cve-package'),
      ]).then(([s3, cloud]) => cloud.cloudCveRulesPackage(s3.s3PublishedCveIndex(bucket, env, log)));
      p.catch(() => cvePackages.delete(bucket));
      cvePackages.set(bucket, p);
    }
    return p;
  };
}

let cisLoader: (() => Promise<RulesPackage>) | undefined;

/**
 * Makes `cis` resolvable in this Lambda: only EvaluateInstance calls it, so the cis code and its benchmark
 * data (read from the bundle's cis-data folder) stay out of the other lifecycle bundles.
 */
export function enableCisPackage(loader: () => Promise<RulesPackage>): void {
  cisLoader = loader;
  packageCache.clear();
}

/** The rules packages of a template, from the registry; loaded once per container per package list. */
const registryResolver: RulesPackageResolver = (ids) => {
  const key = [...ids].sort().join(',');
  let p = packageCache.get(key);
  if (!p) {
    const loadCve = cveLoader();
    const loadCis = cisLoader;
    p = import('../rules/registry').then((r) =>
      r.resolveRulesPackages(ids, { ...(loadCve ? { loadCve } : {}), ...(loadCis ? { loadCis } : {}) }),
    );
    p.catch(() => packageCache.delete(key));
    packageCache.set(key, p);
  }
  return p;
};

let deps: LifecycleDeps | undefined;
let overrides: Partial<LifecycleDeps> = {};

export function lifecycleDeps(): LifecycleDeps {
  if (!deps) {
    const fromEnv = lifecycleDepsFromEnv(log, registryResolver);
    // Dispatch's per-architecture agent artifacts (set on that Lambda only).
    const agentArtifacts = agentArtifactsFromEnv();
    deps = {
      ...fromEnv,
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
  packageCache.clear();
  cvePackages.clear();
}
