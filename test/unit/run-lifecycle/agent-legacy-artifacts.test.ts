/**
 * Dispatch's side of the legacy agent artifacts (glibc 2.17+): the stack's per-architecture variables, and
 * the document parameters Dispatch sends beside agentKey/agentSha256.
 */
import { describe, expect, it } from 'vitest';
import {
  AGENT_LEGACY_ARTIFACT_ENV,
  agentArtifactsFromEnv,
} from '../../../functions/adapters/aws/environment';
import { chooseAgentArtifact } from '../../../functions/core/run-lifecycle/agent-artifacts';
import {
  AGENT_ARTIFACT_PARAMETERS,
  AGENT_LEGACY_ARTIFACT_PARAMETERS,
  agentArtifactParameters,
} from '../../../functions/core/run-lifecycle/agent-command';
import { DOCUMENT_PARAMETERS } from '../../../infra/constructs/agent-distribution';

const sha = (c: string) => c.repeat(64);
const env = {
  AGENT_ARTIFACT_KEY_X86_64: 'x.bin',
  AGENT_ARTIFACT_SHA256_X86_64: sha('a'),
  AGENT_ARTIFACT_KEY_ARM64: 'a.bin',
  AGENT_ARTIFACT_SHA256_ARM64: sha('b'),
};

describe('legacy agent artifacts in Dispatch', () => {
  it('reads each architecture legacy artifact beside its executable', () => {
    const artifacts = agentArtifactsFromEnv({
      ...env,
      AGENT_LEGACY_ARTIFACT_KEY_X86_64: 'x-legacy',
      AGENT_LEGACY_ARTIFACT_SHA256_X86_64: sha('c'),
      AGENT_LEGACY_ARTIFACT_KEY_ARM64: 'a-legacy',
      AGENT_LEGACY_ARTIFACT_SHA256_ARM64: sha('d'),
    });
    expect(artifacts).toEqual({
      x86_64: { key: 'x.bin', sha256: sha('a'), legacy: { key: 'x-legacy', sha256: sha('c') } },
      arm64: { key: 'a.bin', sha256: sha('b'), legacy: { key: 'a-legacy', sha256: sha('d') } },
    });
    const choice = chooseAgentArtifact('arm64', artifacts);
    expect(choice.ok && choice.artifact && agentArtifactParameters(choice.artifact)).toEqual({
      agentKey: 'a.bin',
      agentSha256: sha('b'),
      legacyAgentKey: 'a-legacy',
      legacyAgentSha256: sha('d'),
    });
    // with the URLs Dispatch pre-signs: one per artifact
    expect(
      choice.ok && choice.artifact && agentArtifactParameters(choice.artifact, { agent: 'u1', legacy: 'u2' }),
    ).toMatchObject({ agentUrl: 'u1', legacyAgentUrl: 'u2' });
  });

  it('without legacy variables, no legacy parameters (deployments that did not build them)', () => {
    const artifacts = agentArtifactsFromEnv(env);
    expect(artifacts?.x86_64).toEqual({ key: 'x.bin', sha256: sha('a') });
    expect(agentArtifactParameters(artifacts!.x86_64!)).toEqual({ agentKey: 'x.bin', agentSha256: sha('a') });
  });

  it('refuses a legacy key without its SHA-256, or a malformed one', () => {
    expect(() => agentArtifactsFromEnv({ ...env, AGENT_LEGACY_ARTIFACT_KEY_ARM64: 'a-legacy' })).toThrow(
      /AGENT_LEGACY_ARTIFACT_KEY_ARM64 and AGENT_LEGACY_ARTIFACT_SHA256_ARM64 must be set together/,
    );
    expect(() =>
      agentArtifactsFromEnv({
        ...env,
        AGENT_LEGACY_ARTIFACT_KEY_X86_64: 'x-legacy',
        AGENT_LEGACY_ARTIFACT_SHA256_X86_64: 'nope',
      }),
    ).toThrow(/hex SHA-256/);
  });

  it('uses the names the document declares', () => {
    expect(AGENT_LEGACY_ARTIFACT_PARAMETERS).toEqual({
      key: DOCUMENT_PARAMETERS.legacyAgentKey,
      sha256: DOCUMENT_PARAMETERS.legacyAgentSha256,
      url: DOCUMENT_PARAMETERS.legacyAgentUrl,
    });
    expect(AGENT_ARTIFACT_PARAMETERS).toEqual({
      key: DOCUMENT_PARAMETERS.agentKey,
      sha256: DOCUMENT_PARAMETERS.agentSha256,
      url: DOCUMENT_PARAMETERS.agentUrl,
    });
    expect(Object.values(AGENT_LEGACY_ARTIFACT_ENV).flatMap((n) => [n.key, n.sha256])).toEqual([
      'AGENT_LEGACY_ARTIFACT_KEY_X86_64',
      'AGENT_LEGACY_ARTIFACT_SHA256_X86_64',
      'AGENT_LEGACY_ARTIFACT_KEY_ARM64',
      'AGENT_LEGACY_ARTIFACT_SHA256_ARM64',
    ]);
  });
});
