/**
 * The agent artifact of each instance architecture, as the stack hands it to Dispatch: the executable
 * built for it when `npm run build:agent` built them, else the bundle (run with node on the instance).
 * Constructs the AgentDistribution alone (no synth; assets are staged at construction, into a temporary
 * outdir removed afterwards: the executables are large).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { AgentDistribution } from '../../infra/constructs/agent-distribution';
import { builtExecutables, describeArtifact } from '../../scripts/build-agent';

const outdirs: string[] = [];
afterAll(() => {
  for (const dir of outdirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function distribution(includeExecutables: boolean): AgentDistribution {
  const outdir = mkdtempSync(path.join(os.tmpdir(), 'cdk.out-agent-arch-'));
  outdirs.push(outdir);
  const stack = new Stack(new App({ outdir }), 'Agent', {
    env: { account: '123456789012', region: 'eu-west-1' },
  });
  return new AgentDistribution(stack, 'Agent', {
    telemetryBucket: new s3.Bucket(stack, 'Telemetry'),
    key: new kms.Key(stack, 'Key'),
    includeExecutables,
  });
}

describe('agent artifact per architecture', () => {
  const built = builtExecutables();
  it.skipIf(!built['linux-x64'] || !built['linux-arm64'])(
    'x86_64 gets the linux-x64 executable and arm64 the linux-arm64 one; the x86_64 one is the default',
    () => {
      const d = distribution(true);
      expect(d.byArchitecture.x86_64.kind).toBe('linux-x64');
      expect(d.byArchitecture.arm64.kind).toBe('linux-arm64');
      expect(d.byArchitecture.x86_64.sha256).toBe(describeArtifact(built['linux-x64'] as string).sha256);
      expect(d.byArchitecture.arm64.sha256).toBe(describeArtifact(built['linux-arm64'] as string).sha256);
      expect(d.byArchitecture.x86_64.sha256).not.toBe(d.byArchitecture.arm64.sha256);
      expect(d.defaultArtifact).toBe(d.byArchitecture.x86_64);
    },
  );

  it('without executables both architectures get the bundle', () => {
    const d = distribution(false);
    expect(d.byArchitecture.x86_64.kind).toBe('bundle');
    expect(d.byArchitecture.arm64).toBe(d.byArchitecture.x86_64);
    expect(d.defaultArtifact.kind).toBe('bundle');
  });
});
