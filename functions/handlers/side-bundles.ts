/**
 * File names of the side bundles a handler loads from beside its index.js (infra/stacks/inspector-stack.ts
 * builds them): a module of constants only, so that the stack can import them without the code.
 */

/**
 * The evaluate Lambda's rules registry with the packages it builds in (security best practices, runtime
 * behavior analysis): functions/rules/registry.ts, loaded on the first evaluation (evaluation-runtime.ts).
 */
export const RULES_REGISTRY_SIDE_BUNDLE = 'rules-registry.js';
