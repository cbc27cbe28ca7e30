/**
 * Synthesizes the product stack once for a test file (NodejsFunction bundling makes synth take seconds):
 * the cdk.json context, the real state machine construct, the agent bundle (no executables, so test
 * output stays small), into a temporary outdir that `cleanup()` removes.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { App, type Environment } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Validations } from 'aws-cdk-lib/core';
import { AwsSolutionsChecks } from 'cdk-nag';
import { InspectorStack, type InspectorStackProps } from '../../infra/stacks/inspector-stack';
import { REPO_ROOT } from '../../scripts/build-agent';

export interface Synthesized {
  app: App;
  stack: InspectorStack;
  template: Template;
  outdir: string;
  /** The error synth threw (cdk-nag violations), if any. */
  synthError?: Error;
  cleanup(): void;
}

export function synthStack(
  opts: { nag?: boolean; env?: Environment; props?: Partial<InspectorStackProps> } = {},
): Synthesized {
  const outdir = mkdtempSync(path.join(os.tmpdir(), 'cdk.out-inspector-'));
  const cdkJson = JSON.parse(readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  };
  const cleanup = () => rmSync(outdir, { recursive: true, force: true });
  try {
    const app = new App({ outdir, context: cdkJson.context });
    const stack = new InspectorStack(app, 'InspectorClassic', {
      includeAgentExecutables: false,
      ...opts.props,
      ...(opts.env ? { env: opts.env } : {}),
    });
    if (opts.nag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    let synthError: Error | undefined;
    try {
      app.synth();
    } catch (err) {
      synthError = err as Error;
    }
    const templateFile = path.join(outdir, `${stack.artifactId}.template.json`);
    const template = Template.fromJSON(
      JSON.parse(readFileSync(templateFile, 'utf8')) as Record<string, unknown>,
    );
    return { app, stack, template, outdir, ...(synthError ? { synthError } : {}), cleanup };
  } catch (err) {
    cleanup();
    throw err;
  }
}

/** Minified Lambda bundles of a synthesized outdir: asset folder → bytes of index.js. */
export function lambdaBundleSizes(outdir: string): Map<string, number> {
  const sizes = new Map<string, number>();
  for (const entry of readdirSync(outdir, { withFileTypes: true })) {
    if (!entry.isDirectory() || !entry.name.startsWith('asset.')) continue;
    const files = readdirSync(path.join(outdir, entry.name));
    const main = files.find((f) => f === 'index.js' || f === 'index.mjs');
    if (main) sizes.set(entry.name, readFileSync(path.join(outdir, entry.name, main)).byteLength);
  }
  return sizes;
}

/**
 * Side bundles of a synthesized outdir (the .js files beside index.js, in its folder or below it): path
 * relative to the outdir → bytes.
 */
export function sideBundleSizes(outdir: string): Map<string, number> {
  const sizes = new Map<string, number>();
  for (const entry of readdirSync(outdir, { withFileTypes: true })) {
    if (!entry.isDirectory() || !entry.name.startsWith('asset.')) continue;
    const dir = path.join(outdir, entry.name);
    if (!readdirSync(dir).includes('index.js')) continue;
    for (const f of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
      if (!f.endsWith('.js') || f === 'index.js') continue;
      sizes.set(path.join(entry.name, f), statSync(path.join(dir, f)).size);
    }
  }
  return sizes;
}
