/**
 * File names of the side bundles a handler loads from beside its index.js (infra/stacks/inspector-stack.ts
 * builds them): a module of constants only, so that the stack can import them without the code.
 */

/**
 * The evaluate Lambda's rules registry with the packages it builds in (security best practices, runtime
 * behavior analysis): functions/rules/registry.ts, loaded on the first evaluation (evaluation-runtime.ts).
 */
export const RULES_REGISTRY_SIDE_BUNDLE = 'rules-registry.js';

/**
 * The evaluate Lambda's `cve` package over the feed bucket (functions/handlers/cve-package-entry.ts: the S3
 * feed store, the published index reader and the package), loaded when a template first asks for cve.
 */
export const CVE_PACKAGE_SIDE_BUNDLE = 'cve-package.js';
