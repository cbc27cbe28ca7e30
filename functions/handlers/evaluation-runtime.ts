/**
 * What only the EvaluateInstance Lambda needs, split from lifecycle-runtime.ts so that the other lifecycle
 * bundles carry none of it: the rules registry with its packages (cve over the feed bucket, cis when the
 * handler enables it) and the telemetry keyring over KMS (the Encryption SDK). Importing this module
 * registers them with lifecycle-runtime (enableEvaluation).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ENV, requireEnv } from '../adapters/aws/environment';
import { KmsKeyringProvider } from '../adapters/aws/kms-keyring';
import type { RulesPackageResolver } from '../adapters/aws/lifecycle-deps';
import type { RulesPackage } from '../core/rule';
import { enableEvaluation, log } from './lifecycle-runtime';
import { CVE_PACKAGE_SIDE_BUNDLE, RULES_REGISTRY_SIDE_BUNDLE } from './side-bundles';

type Registry = typeof import('../rules/registry');
let registry: Promise<Registry> | undefined;

/**
 * The rules registry and its built-in packages, once per container. In the Lambda it is a file of its own
 * beside index.js (RULES_REGISTRY_SIDE_BUNDLE), required on the first evaluation, which keeps index.js under
 * the bundle limit; from the sources (tests, local harness) it is the module itself, imported by a URL
 * esbuild leaves alone (as the cis package is in evaluate-instance.ts).
 */
function rulesRegistry(): Promise<Registry> {
  if (!registry) {
    const bundled =
      typeof __dirname === 'string' ? path.join(__dirname, RULES_REGISTRY_SIDE_BUNDLE) : undefined;
    registry =
      bundled && existsSync(bundled)
        ? Promise.resolve(require(bundled) as Registry)
        : (import(new URL('../rules/registry.ts', import.meta.url).href) as Promise<Registry>);
    registry.catch(() => {
      registry = undefined;
    });
  }
  return registry;
}

type CveEntry = typeof import('./cve-package-entry');

/** The cve package's module: the side bundle beside index.js in the Lambda, the source elsewhere. */
function cveEntry(): Promise<CveEntry> {
  const bundled = typeof __dirname === 'string' ? path.join(__dirname, CVE_PACKAGE_SIDE_BUNDLE) : undefined;
  return bundled && existsSync(bundled)
    ? Promise.resolve(require(bundled) as CveEntry)
    : (import(new URL('./cve-package-entry.ts', import.meta.url).href) as Promise<CveEntry>);
}

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
      p = cveEntry().then((m) => m.cveRulesPackageFromBucket(bucket, env, log));
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
    p = rulesRegistry().then((r) =>
      r.resolveRulesPackages(ids, { ...(loadCve ? { loadCve } : {}), ...(loadCis ? { loadCis } : {}) }),
    );
    p.catch(() => packageCache.delete(key));
    packageCache.set(key, p);
  }
  return p;
};

enableEvaluation({
  resolveRulesPackages: registryResolver,
  keyrings: () => new KmsKeyringProvider(requireEnv(ENV.kmsKeyArn)),
  reset: () => {
    packageCache.clear();
    cvePackages.clear();
  },
});
