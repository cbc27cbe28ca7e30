/**
 * telemetryAddressOf: the run and instance a hand-written telemetry file's envelope names (inspector assess
 * --telemetry), refused when the key is wrong, the envelope names no run or instance, or names one that is no
 * valid id (it becomes a storage path).
 */
import { randomBytes } from 'node:crypto';
import { buildClient, CommitmentPolicy } from '@aws-crypto/client-node';
import { describe, expect, it } from 'vitest';
import {
  CONTEXT_KEYS,
  encryptionContextFor,
  encryptTelemetry,
  parseTelemetry,
  rawAesKeyring,
  SUITE,
  TelemetryDecryptError,
  telemetryAddressOf,
} from '../../../functions/core/telemetry';

const { encrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
const keyring = rawAesKeyring(randomBytes(32));

const doc = parseTelemetry({
  schemaVersion: 1,
  agent: { name: 'inspector-agent', version: '0.1.0' },
  runId: 'by-hand',
  instanceId: 'web-1',
  root: '/',
  collection: {
    startedAt: '2026-11-30T00:00:00.000Z',
    finishedAt: '2026-11-30T00:00:01.000Z',
    durationSeconds: 0,
  },
  host: { kernelName: 'Linux', kernelNameSource: 'proc', arch: 'x86_64', archSource: 'proc' },
  files: {},
  paths: {},
  commands: {},
  kernelParameters: { status: 'ok', values: {}, unreadable: {} },
  samples: [],
  warnings: [],
});

async function sealedWith(context: Record<string, string>): Promise<Buffer> {
  return (await encrypt(keyring, Buffer.from('{}'), { encryptionContext: context, suiteId: SUITE })).result;
}

describe('telemetryAddressOf', () => {
  it("reads the agent's run and instance from the envelope", async () => {
    const sealed = await encryptTelemetry(doc, keyring);
    await expect(telemetryAddressOf(sealed, keyring)).resolves.toEqual({
      runId: 'by-hand',
      instanceId: 'web-1',
    });
  });

  it('refuses a wrong key, an envelope without the ids, and ids that are not valid', async () => {
    const sealed = await encryptTelemetry(doc, keyring);
    await expect(telemetryAddressOf(sealed, rawAesKeyring(randomBytes(32)))).rejects.toThrow(
      /telemetry could not be decrypted/,
    );
    await expect(telemetryAddressOf(await sealedWith({ other: 'x' }), keyring)).rejects.toThrow(
      /does not name a run and an instance/,
    );
    for (const bad of ['../../etc/cron.d/x', 'a/b', '.hidden', 'x'.repeat(200)]) {
      const ctx = {
        ...encryptionContextFor({ runId: 'by-hand', instanceId: 'web-1' }),
        [CONTEXT_KEYS.instance]: bad,
      };
      const err = await telemetryAddressOf(await sealedWith(ctx), keyring).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TelemetryDecryptError);
      expect((err as Error).message).toMatch(/invalid instance id/);
    }
  });
});
