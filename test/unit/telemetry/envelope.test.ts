import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { buildClient, CommitmentPolicy } from '@aws-crypto/client-node';
import { describe, expect, it } from 'vitest';
import {
  decryptTelemetry,
  encryptionContextFor,
  encryptTelemetry,
  FRAME_LENGTH,
  LIMITS,
  parseTelemetry,
  rawAesKeyring,
  SUITE,
  type Telemetry,
  TelemetryDecryptError,
  TelemetryValidationError,
} from '../../../functions/core/telemetry';

const { encrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);

function doc(over: Partial<Telemetry> = {}): Telemetry {
  return parseTelemetry({
    schemaVersion: 1,
    agent: { name: 'inspector-agent', version: '0.1.0' },
    runId: 'run-1',
    instanceId: 'i-0123456789abcdef0',
    root: '/',
    collection: {
      startedAt: '2026-11-30T00:00:00.000Z',
      finishedAt: '2026-11-30T00:00:01.000Z',
      durationSeconds: 0,
    },
    host: { kernelName: 'Linux', kernelNameSource: 'proc', arch: 'x86_64', archSource: 'proc' },
    files: {
      '/etc/hostname': {
        status: 'ok',
        encoding: 'utf8',
        content: 'web-1\n',
        size: 6,
        mode: 33188,
        uid: 0,
        gid: 0,
      },
    },
    paths: {},
    commands: {},
    kernelParameters: { status: 'ok', values: { 'kernel.randomize_va_space': '2' }, unreadable: {} },
    samples: [],
    warnings: [],
    ...over,
  });
}

const key = randomBytes(32);
const keyring = rawAesKeyring(key);
const address = { runId: 'run-1', instanceId: 'i-0123456789abcdef0' };

async function encryptRaw(plaintext: Uint8Array, context: Record<string, string>) {
  const { result } = await encrypt(keyring, plaintext, {
    encryptionContext: context,
    suiteId: SUITE,
    frameLength: FRAME_LENGTH,
  });
  return result;
}

describe('telemetry envelope', () => {
  it('round-trips a document under the run and instance context', async () => {
    const d = doc();
    const ct = await encryptTelemetry(d, keyring);
    expect(ct.includes(Buffer.from('web-1'))).toBe(false);
    await expect(decryptTelemetry(ct, keyring, address)).resolves.toEqual(d);
  });

  it('refuses ciphertext with a flipped byte anywhere in the body', async () => {
    const ct = await encryptTelemetry(doc(), keyring);
    for (const at of [ct.length - 1, Math.floor(ct.length / 2), ct.length - 120]) {
      const bad = Buffer.from(ct);
      bad[at] = bad[at]! ^ 0x01;
      await expect(decryptTelemetry(bad, keyring, address)).rejects.toBeInstanceOf(TelemetryDecryptError);
    }
  });

  it('refuses truncated ciphertext', async () => {
    const ct = await encryptTelemetry(doc(), keyring);
    await expect(decryptTelemetry(ct.subarray(0, ct.length - 10), keyring, address)).rejects.toBeInstanceOf(
      TelemetryDecryptError,
    );
  });

  it('refuses a context that names another instance or run', async () => {
    const ct = await encryptTelemetry(doc(), keyring);
    await expect(decryptTelemetry(ct, keyring, { ...address, instanceId: 'i-other' })).rejects.toThrow(
      /encryption context mismatch: inspector:instance-id/,
    );
    await expect(decryptTelemetry(ct, keyring, { ...address, runId: 'run-2' })).rejects.toThrow(
      /encryption context mismatch: inspector:run-id/,
    );
  });

  it('refuses a document whose body names another instance than its context', async () => {
    const body = gzipSync(JSON.stringify(doc({ instanceId: 'i-forged' })));
    const ct = await encryptRaw(body, encryptionContextFor(address));
    await expect(decryptTelemetry(ct, keyring, address)).rejects.toThrow(
      /names run run-1 \/ instance i-forged/,
    );
  });

  it('refuses the wrong key', async () => {
    const ct = await encryptTelemetry(doc(), keyring);
    await expect(decryptTelemetry(ct, rawAesKeyring(randomBytes(32)), address)).rejects.toBeInstanceOf(
      TelemetryDecryptError,
    );
  });

  it('rejects malformed content inside a valid envelope with a readable error', async () => {
    const notJson = await encryptRaw(gzipSync('{"schemaVersion":1,'), encryptionContextFor(address));
    await expect(decryptTelemetry(notJson, keyring, address)).rejects.toThrow(/not JSON/);
    const wrongShape = await encryptRaw(
      gzipSync(JSON.stringify({ schemaVersion: 1, runId: 'run-1' })),
      encryptionContextFor(address),
    );
    const err = await decryptTelemetry(wrongShape, keyring, address).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TelemetryValidationError);
    expect((err as TelemetryValidationError).issues.join('\n')).toMatch(/instanceId/);
    const notGzip = await encryptRaw(Buffer.from('plain'), encryptionContextFor(address));
    await expect(decryptTelemetry(notGzip, keyring, address)).rejects.toThrow(/decompressed/);
  });

  it('refuses a decompression bomb beyond the document limit', async () => {
    const bomb = gzipSync(Buffer.alloc(LIMITS.maxDocumentBytes + 1024, 0x20));
    const ct = await encryptRaw(bomb, encryptionContextFor(address));
    await expect(decryptTelemetry(ct, keyring, address)).rejects.toThrow(/decompressed/);
  });

  it('refuses oversized ciphertext before decrypting it', async () => {
    const huge = Buffer.alloc(LIMITS.maxDocumentBytes + 1);
    await expect(decryptTelemetry(huge, keyring, address)).rejects.toThrow(/over the .*-byte limit/);
  });

  it('rejects a key of the wrong size', () => {
    expect(() => rawAesKeyring(randomBytes(16))).toThrow(/32 bytes/);
  });
});
