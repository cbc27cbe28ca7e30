import { describe, expect, it } from 'vitest';
import { agentArtifactsFromEnv } from '../../../functions/adapters/aws/environment';
import { chooseAgentArtifact } from '../../../functions/core/run-lifecycle/agent-artifacts';

const x86 = { key: 'x.bin', sha256: 'a'.repeat(64) };
const arm = { key: 'a.bin', sha256: 'b'.repeat(64) };

describe('chooseAgentArtifact', () => {
  it('chooses the artifact of the instance architecture', () => {
    expect(chooseAgentArtifact('x86_64', { x86_64: x86, arm64: arm })).toEqual({
      ok: true,
      architecture: 'x86_64',
      artifact: x86,
    });
    expect(chooseAgentArtifact('arm64', { x86_64: x86, arm64: arm })).toEqual({
      ok: true,
      architecture: 'arm64',
      artifact: arm,
    });
  });

  it('refuses architectures the agent is not built for, with the reason', () => {
    for (const a of ['i386', 'x86_64_mac', 'arm64_mac']) {
      const c = chooseAgentArtifact(a, { x86_64: x86, arm64: arm });
      expect(c.ok).toBe(false);
      expect(!c.ok && c.message).toContain(`architecture is ${a}`);
      // also without configured artifacts
      expect(chooseAgentArtifact(a, undefined).ok).toBe(false);
    }
  });

  it('refuses an architecture this deployment has no artifact for, and an unknown architecture', () => {
    const c = chooseAgentArtifact('arm64', { x86_64: x86 });
    expect(c).toEqual({
      ok: false,
      message:
        'this deployment has no agent artifact for arm64 (it has x86_64); build the executables (npm run build:agent) and redeploy',
    });
    expect(chooseAgentArtifact(undefined, { x86_64: x86 }).ok).toBe(false);
  });

  it('without configured artifacts, the document default (no artifact parameters)', () => {
    expect(chooseAgentArtifact('arm64', undefined)).toEqual({ ok: true, architecture: 'arm64' });
    expect(chooseAgentArtifact(undefined, undefined)).toEqual({ ok: true, architecture: 'x86_64' });
  });
});

describe('agentArtifactsFromEnv', () => {
  it('reads the key and SHA-256 of each architecture', () => {
    expect(
      agentArtifactsFromEnv({
        AGENT_ARTIFACT_KEY_X86_64: x86.key,
        AGENT_ARTIFACT_SHA256_X86_64: x86.sha256,
        AGENT_ARTIFACT_KEY_ARM64: arm.key,
        AGENT_ARTIFACT_SHA256_ARM64: arm.sha256,
      }),
    ).toEqual({ x86_64: x86, arm64: arm });
    expect(agentArtifactsFromEnv({})).toBeUndefined();
  });

  it('refuses a key without its SHA-256 or a malformed SHA-256', () => {
    expect(() => agentArtifactsFromEnv({ AGENT_ARTIFACT_KEY_ARM64: 'a.bin' })).toThrow(
      /AGENT_ARTIFACT_KEY_ARM64 and AGENT_ARTIFACT_SHA256_ARM64 must be set together/,
    );
    expect(() =>
      agentArtifactsFromEnv({ AGENT_ARTIFACT_KEY_ARM64: 'a.bin', AGENT_ARTIFACT_SHA256_ARM64: 'xyz' }),
    ).toThrow(/hex SHA-256/);
  });
});
