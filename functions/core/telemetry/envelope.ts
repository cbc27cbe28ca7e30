/**
 * Telemetry envelope: gzip(JSON) encrypted with the AWS Encryption SDK under an encryption context that
 * names the run, the instance and the schema version. The keyring is a parameter: a raw AES-256 key
 * locally, KMS in the cloud.
 *
 * Under KMS the context also names the instance's ARN (`inspector:instance-arn`), which the instance policy
 * (infra/constructs/agent-distribution.ts) requires to equal the caller's `ec2:SourceInstanceARN`: an
 * instance can only produce envelopes that carry its own ARN. The ARN is built from the instance id and the
 * key's ARN (same partition, region and account: the stack sends commands to instances of its own account
 * and region), and the evaluator refuses an envelope whose ARN is not exactly the one of the instance it
 * expects. The raw local key has no IAM behind it and no ARN in its context.
 *
 * Algorithm suite: ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY (key commitment, no ECDSA signature),
 * 64 KiB frames. Measured by `npx tsx bench/envelope.ts` (1 MiB, 2 cores): 3.6 ms to encrypt and 4.1 ms to
 * decrypt, against 6.1 / 7.9 ms for the ECDSA P-384 signing suite and ~3x for 4 KiB frames (README).
 * Integrity against tampering comes from AES-GCM with a committed key; what a signature would add (proof
 * that a holder of decrypt permission did not forge the message) does not apply, because only the
 * evaluator can decrypt and it is the party that trusts the telemetry.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
// The Encryption SDK's parts this module uses, not @aws-crypto/client-node: that one also loads the KMS and
// DynamoDB clients (KMS and hierarchical keyrings) and the AWS SDK under them, ~10 MB of memory and ~0.3 s a local
// assessment does not use (the KMS keyring comes from adapters/aws/kms-keyring.ts, in the cloud).
import { buildDecrypt } from '@aws-crypto/decrypt-node';
import { buildEncrypt } from '@aws-crypto/encrypt-node';
import type { KmsKeyringNode } from '@aws-crypto/kms-keyring-node';
import {
  AlgorithmSuiteIdentifier,
  CommitmentPolicy,
  type KeyringNode,
} from '@aws-crypto/material-management-node';
import { RawAesKeyringNode, RawAesWrappingSuiteIdentifier } from '@aws-crypto/raw-aes-keyring-node';
import { idSchema, LIMITS, parseTelemetryJson, TELEMETRY_SCHEMA_VERSION, type Telemetry } from './schema';

/*
 * The Encryption SDK's encrypt and decrypt, each built on first use: a module whose top level calls into the
 * SDK would be kept (with the SDK) in every bundle that merely imports a name from here, while a function is
 * dropped where nothing calls it (the Lambdas that do not decrypt carry no SDK, and the one that decrypts
 * carries no encryption; test/infra/inspector-stack.test.ts bounds the bundles).
 */
let encryptFn: ReturnType<typeof buildEncrypt>['encrypt'] | undefined;
let decryptFn: ReturnType<typeof buildDecrypt>['decrypt'] | undefined;
const encrypt: ReturnType<typeof buildEncrypt>['encrypt'] = (...args) => {
  encryptFn ??= buildEncrypt(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT).encrypt;
  return encryptFn(...args);
};
const decrypt: ReturnType<typeof buildDecrypt>['decrypt'] = (...args) => {
  decryptFn ??= buildDecrypt(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT).decrypt;
  return decryptFn(...args);
};

/** A KMS keyring (KmsKeyringNode), told by its fields rather than by its class, which this module does not load. */
function isKmsKeyring(k: KeyringNode): k is KmsKeyringNode {
  const v = k as Partial<KmsKeyringNode>;
  return Array.isArray(v.keyIds) && typeof v.clientProvider === 'function';
}

export const SUITE = AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY;
export const FRAME_LENGTH = 64 * 1024;
/** Encrypted objects larger than this are refused before decryption (compressed JSON is far smaller). */
export const MAX_CIPHERTEXT_BYTES = LIMITS.maxDocumentBytes;

export const CONTEXT_KEYS = {
  run: 'inspector:run-id',
  instance: 'inspector:instance-id',
  /** KMS envelopes only: the EC2 instance ARN the instance policy compares with ec2:SourceInstanceARN. */
  instanceArn: 'inspector:instance-arn',
  schema: 'inspector:schema-version',
  encoding: 'inspector:content-encoding',
} as const;

export interface TelemetryAddress {
  runId: string;
  instanceId: string;
}

/**
 * How an envelope is bound to the instance that wrote it: `kms` (cloud) puts the instance's ARN, derived
 * from the KMS key's ARN, in the context; `local` (the raw key file) puts none.
 */
export type InstanceBinding = { kind: 'kms'; keyArn: string } | { kind: 'local' };
export const LOCAL_BINDING: InstanceBinding = { kind: 'local' };

const KMS_KEY_ARN = /^arn:(aws[a-z-]*):kms:([a-z0-9-]+):([0-9]{12}):key\/([A-Za-z0-9-]+)$/;

export function isKmsKeyArn(value: string): boolean {
  return KMS_KEY_ARN.test(value);
}

/**
 * The ARN of instance `instanceId` in the partition, region and account of the KMS key
 * (arn:PARTITION:kms:REGION:ACCOUNT:key/ID → arn:PARTITION:ec2:REGION:ACCOUNT:instance/INSTANCE_ID), the
 * format of `ec2:SourceInstanceARN`.
 */
export function instanceArnFor(kmsKeyArn: string, instanceId: string): string {
  const m = KMS_KEY_ARN.exec(kmsKeyArn);
  if (!m) {
    throw new Error(
      `${JSON.stringify(kmsKeyArn)} is not a KMS key ARN (arn:PARTITION:kms:REGION:ACCOUNT:key/ID)`,
    );
  }
  return `arn:${m[1]}:ec2:${m[2]}:${m[3]}:instance/${instanceId}`;
}

/**
 * The binding a keyring implies when the caller names none: a KMS keyring binds to its generator key's
 * ARN, the raw AES keyring is local. Any other keyring must be given a binding explicitly.
 */
export function instanceBindingOf(keyring: KeyringNode): InstanceBinding {
  if (keyring instanceof RawAesKeyringNode) return LOCAL_BINDING;
  if (isKmsKeyring(keyring) && keyring.generatorKeyId) {
    const keyArn = keyring.generatorKeyId;
    if (!isKmsKeyArn(keyArn)) {
      throw new Error(
        `the telemetry keyring's key ${JSON.stringify(keyArn)} is not a KMS key ARN; the envelope names the instance ARN in the key's partition, region and account`,
      );
    }
    return { kind: 'kms', keyArn };
  }
  throw new Error('cannot tell how this keyring binds telemetry to its instance: pass an InstanceBinding');
}

export function encryptionContextFor(
  address: TelemetryAddress,
  binding: InstanceBinding = LOCAL_BINDING,
): Record<string, string> {
  return {
    [CONTEXT_KEYS.run]: address.runId,
    [CONTEXT_KEYS.instance]: address.instanceId,
    ...(binding.kind === 'kms'
      ? { [CONTEXT_KEYS.instanceArn]: instanceArnFor(binding.keyArn, address.instanceId) }
      : {}),
    [CONTEXT_KEYS.schema]: String(TELEMETRY_SCHEMA_VERSION),
    [CONTEXT_KEYS.encoding]: 'gzip+json',
  };
}

export class TelemetryDecryptError extends Error {
  override readonly name = 'TelemetryDecryptError';
}

/**
 * Encrypt a telemetry document for the run and instance it names (and, under KMS, the instance's ARN:
 * `binding` defaults to the one the keyring implies).
 */
export async function encryptTelemetry(
  doc: Telemetry,
  keyring: KeyringNode,
  binding: InstanceBinding = instanceBindingOf(keyring),
): Promise<Buffer> {
  const json = JSON.stringify(doc);
  if (Buffer.byteLength(json) > LIMITS.maxDocumentBytes) {
    throw new Error(`telemetry document is over the ${LIMITS.maxDocumentBytes}-byte limit`);
  }
  const { result } = await encrypt(keyring, gzipSync(json), {
    encryptionContext: encryptionContextFor(doc, binding),
    suiteId: SUITE,
    frameLength: FRAME_LENGTH,
  });
  return result;
}

/**
 * The run and instance an envelope names (its encryption context), read by decrypting it with `keyring`: for
 * a file the agent wrote by hand (`--out`), whose address the reader cannot know beforehand. The envelope is
 * authenticated by that decryption; decryptTelemetry then checks the document against this address.
 */
export async function telemetryAddressOf(
  ciphertext: Uint8Array,
  keyring: KeyringNode,
): Promise<TelemetryAddress> {
  if (ciphertext.byteLength > MAX_CIPHERTEXT_BYTES) {
    throw new TelemetryDecryptError(
      `encrypted telemetry is ${ciphertext.byteLength} bytes, over the ${MAX_CIPHERTEXT_BYTES}-byte limit`,
    );
  }
  let context: Record<string, string>;
  try {
    context = (await decrypt(keyring, ciphertext, { maxBodySize: MAX_CIPHERTEXT_BYTES })).messageHeader
      .encryptionContext;
  } catch (err) {
    throw new TelemetryDecryptError(`telemetry could not be decrypted: ${(err as Error).message}`);
  }
  const runId = context[CONTEXT_KEYS.run];
  const instanceId = context[CONTEXT_KEYS.instance];
  if (!runId || !instanceId)
    throw new TelemetryDecryptError(
      'the envelope does not name a run and an instance: not telemetry of this agent',
    );
  // The ids name storage paths: only what the agent itself accepts (no separators, no control characters).
  for (const [what, id] of [
    ['run', runId],
    ['instance', instanceId],
  ] as const)
    if (!idSchema.safeParse(id).success)
      throw new TelemetryDecryptError(
        `the envelope names an invalid ${what} id ${JSON.stringify(id.slice(0, 140))}`,
      );
  return { runId, instanceId };
}

/**
 * Decrypt telemetry read for `expected` (the run and instance its storage key names). Refuses ciphertext
 * that was tampered with, whose encryption context names another run or instance, lacks or misstates the
 * instance ARN under KMS (`binding` defaults to the one the keyring implies) or carries an unexpected
 * `inspector:` key, or whose decrypted document does not match the address; then validates the document.
 */
export async function decryptTelemetry(
  ciphertext: Uint8Array,
  keyring: KeyringNode,
  expected: TelemetryAddress,
  binding: InstanceBinding = instanceBindingOf(keyring),
): Promise<Telemetry> {
  if (ciphertext.byteLength > MAX_CIPHERTEXT_BYTES) {
    throw new TelemetryDecryptError(
      `encrypted telemetry is ${ciphertext.byteLength} bytes, over the ${MAX_CIPHERTEXT_BYTES}-byte limit`,
    );
  }
  let plaintext: Buffer;
  let context: Record<string, string>;
  try {
    const out = await decrypt(keyring, ciphertext, { maxBodySize: MAX_CIPHERTEXT_BYTES });
    plaintext = out.plaintext;
    context = out.messageHeader.encryptionContext;
  } catch (err) {
    throw new TelemetryDecryptError(`telemetry could not be decrypted: ${(err as Error).message}`);
  }
  checkContext(context, encryptionContextFor(expected, binding), expected);
  let json: string;
  try {
    json = gunzipSync(plaintext, { maxOutputLength: LIMITS.maxDocumentBytes }).toString('utf8');
  } catch (err) {
    throw new TelemetryDecryptError(`telemetry could not be decompressed: ${(err as Error).message}`);
  }
  const doc = parseTelemetryJson(json);
  if (doc.runId !== expected.runId || doc.instanceId !== expected.instanceId) {
    throw new TelemetryDecryptError(
      `telemetry names run ${doc.runId} / instance ${doc.instanceId}, expected ${expected.runId} / ${expected.instanceId}`,
    );
  }
  return doc;
}

function checkContext(
  context: Record<string, string>,
  want: Record<string, string>,
  expected: TelemetryAddress,
): void {
  for (const [key, value] of Object.entries(want)) {
    if (context[key] === value) continue;
    if (key === CONTEXT_KEYS.instanceArn && context[key] === undefined) {
      // Agents before the instance-ARN binding; the instance policy no longer lets them encrypt either.
      throw new TelemetryDecryptError(
        `encryption context has no ${key}: the telemetry was not written by an agent of this deployment (earlier agents did not name the instance ARN); assess the instance again`,
      );
    }
    const why =
      key === CONTEXT_KEYS.instanceArn
        ? ` (instance ${expected.instanceId} in the partition, region and account of the telemetry key)`
        : '';
    throw new TelemetryDecryptError(
      `encryption context mismatch: ${key} is ${JSON.stringify(context[key] ?? null)}, expected ${JSON.stringify(value)}${why}`,
    );
  }
  for (const key of Object.keys(context)) {
    if (key.startsWith('inspector:') && !(key in want)) {
      throw new TelemetryDecryptError(
        `encryption context has an unexpected ${key} (${JSON.stringify(context[key])}) for this key`,
      );
    }
  }
}

/** A keyring over a raw AES-256 key (the local mode's key file). */
export function rawAesKeyring(key: Uint8Array, keyName = 'local-telemetry-key'): RawAesKeyringNode {
  if (key.byteLength !== 32) throw new Error(`telemetry key must be 32 bytes, got ${key.byteLength}`);
  return new RawAesKeyringNode({
    keyName,
    keyNamespace: 'inspector-local',
    unencryptedMasterKey: new Uint8Array(key),
    wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
  });
}
