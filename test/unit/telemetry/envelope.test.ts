import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { buildClient, CommitmentPolicy, getClient, KMS, KmsKeyringNode } from '@aws-crypto/client-node';
import { describe, expect, it } from 'vitest';
import {
  CONTEXT_KEYS,
  decryptTelemetry,
  encryptionContextFor,
  encryptTelemetry,
  FRAME_LENGTH,
  type InstanceBinding,
  instanceArnFor,
  instanceBindingOf,
  LIMITS,
  LOCAL_BINDING,
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

describe('telemetry envelope bound to the instance ARN (KMS)', () => {
  const KEY = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
  const cloud: InstanceBinding = { kind: 'kms', keyArn: KEY };
  const ARN = 'arn:aws:ec2:eu-west-1:123456789012:instance/i-0123456789abcdef0';
  const body = () => gzipSync(JSON.stringify(doc()));
  const withArn = (arn: string) => ({
    ...encryptionContextFor(address, cloud),
    [CONTEXT_KEYS.instanceArn]: arn,
  });

  it('names the instance ARN in the key partition, region and account, and round-trips', async () => {
    expect(encryptionContextFor(address, cloud)).toEqual({
      'inspector:run-id': 'run-1',
      'inspector:instance-id': 'i-0123456789abcdef0',
      'inspector:instance-arn': ARN,
      'inspector:schema-version': '1',
      'inspector:content-encoding': 'gzip+json',
    });
    const ct = await encryptTelemetry(doc(), keyring, cloud);
    await expect(decryptTelemetry(ct, keyring, address, cloud)).resolves.toEqual(doc());
  });

  it.each([
    ['another instance', 'arn:aws:ec2:eu-west-1:123456789012:instance/i-0fffffffffffffff0'],
    ['another account', 'arn:aws:ec2:eu-west-1:999999999999:instance/i-0123456789abcdef0'],
    ['another region', 'arn:aws:ec2:us-east-1:123456789012:instance/i-0123456789abcdef0'],
    ['another partition', 'arn:aws-cn:ec2:eu-west-1:123456789012:instance/i-0123456789abcdef0'],
    ['another resource type', 'arn:aws:ec2:eu-west-1:123456789012:volume/i-0123456789abcdef0'],
    ['a prefix of the ARN', 'arn:aws:ec2:eu-west-1:123456789012:instance/i-0123456789abcdef'],
    ['a longer id', `${ARN}0`],
    ['the ARN with a wildcard', 'arn:aws:ec2:eu-west-1:123456789012:instance/*'],
    ['a malformed value', 'i-0123456789abcdef0'],
    ['an empty value', ''],
  ])('refuses a context whose instance ARN is %s', async (_, arn) => {
    const ct = await encryptRaw(body(), withArn(arn));
    const err = await decryptTelemetry(ct, keyring, address, cloud).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TelemetryDecryptError);
    expect((err as Error).message).toMatch(/encryption context mismatch: inspector:instance-arn is /);
    expect((err as Error).message).toContain(`expected "${ARN}"`);
  });

  it('refuses a context without the instance ARN under KMS (telemetry of earlier agents)', async () => {
    const ct = await encryptRaw(body(), encryptionContextFor(address, LOCAL_BINDING));
    const err = await decryptTelemetry(ct, keyring, address, cloud).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TelemetryDecryptError);
    expect((err as Error).message).toMatch(/encryption context has no inspector:instance-arn/);
  });

  it('local (raw key): no ARN in the context, and one that carries an ARN is refused', async () => {
    expect(encryptionContextFor(address)).not.toHaveProperty(CONTEXT_KEYS.instanceArn);
    const local = await encryptTelemetry(doc(), keyring);
    await expect(decryptTelemetry(local, keyring, address)).resolves.toEqual(doc());
    const kmsShaped = await encryptTelemetry(doc(), keyring, cloud);
    await expect(decryptTelemetry(kmsShaped, keyring, address)).rejects.toThrow(
      /unexpected inspector:instance-arn/,
    );
  });

  it('refuses any unexpected inspector: context key', async () => {
    const ct = await encryptRaw(body(), { ...encryptionContextFor(address, cloud), 'inspector:other': 'x' });
    await expect(decryptTelemetry(ct, keyring, address, cloud)).rejects.toThrow(/unexpected inspector:other/);
  });

  it.each([
    [KEY, 'arn:aws:ec2:eu-west-1:123456789012:instance/i-1'],
    [
      'arn:aws-cn:kms:cn-north-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      'arn:aws-cn:ec2:cn-north-1:123456789012:instance/i-1',
    ],
    [
      'arn:aws-us-gov:kms:us-gov-west-1:210987654321:key/mrk-1234abcd12ab34cd56ef1234567890ab',
      'arn:aws-us-gov:ec2:us-gov-west-1:210987654321:instance/i-1',
    ],
  ])('instanceArnFor(%s) → %s', (keyArn, arn) => {
    expect(instanceArnFor(keyArn, 'i-1')).toBe(arn);
  });

  it.each([
    'arn:aws:kms:eu-west-1:123456789012:alias/telemetry',
    '1234abcd-12ab-34cd-56ef-1234567890ab',
    'arn:aws:s3:::bucket/key',
    'arn:aws:kms:eu-west-1:12345:key/1234',
  ])('refuses to build an instance ARN from %s', (keyArn) => {
    expect(() => instanceArnFor(keyArn, 'i-1')).toThrow(/not a KMS key ARN/);
  });

  it('derives the binding from the keyring: KMS key ARN in the cloud, none for the raw key', () => {
    const kms = (generatorKeyId: string) =>
      new KmsKeyringNode({ generatorKeyId, clientProvider: getClient(KMS, { region: 'eu-west-1' }) });
    expect(instanceBindingOf(kms(KEY))).toEqual(cloud);
    expect(instanceBindingOf(keyring)).toEqual(LOCAL_BINDING);
    expect(() => instanceBindingOf(kms('arn:aws:kms:eu-west-1:123456789012:alias/telemetry'))).toThrow(
      /not a KMS key ARN/,
    );
    const discovery = new KmsKeyringNode({ discovery: true, clientProvider: getClient(KMS, {}) });
    expect(() => instanceBindingOf(discovery)).toThrow(/pass an InstanceBinding/);
  });
});
