/**
 * Telemetry envelope: gzip(JSON) encrypted with the AWS Encryption SDK under an encryption context that
 * names the run, the instance and the schema version. The keyring is a parameter: a raw AES-256 key
 * locally, KMS in the cloud.
 *
 * Algorithm suite: ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY (key commitment, no ECDSA signature),
 * 64 KiB frames. Measured by `npx tsx bench/envelope.ts` (1 MiB, 2 cores): 3.6 ms to encrypt and 4.1 ms to
 * decrypt, against 6.1 / 7.9 ms for the ECDSA P-384 signing suite and ~3x for 4 KiB frames (README).
 * Integrity against tampering comes from AES-GCM with a committed key; what a signature would add (proof
 * that a holder of decrypt permission did not forge the message) does not apply, because only the
 * evaluator can decrypt and it is the party that trusts the telemetry.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  AlgorithmSuiteIdentifier,
  buildClient,
  CommitmentPolicy,
  type KeyringNode,
  RawAesKeyringNode,
  RawAesWrappingSuiteIdentifier,
} from '@aws-crypto/client-node';
import { LIMITS, parseTelemetryJson, TELEMETRY_SCHEMA_VERSION, type Telemetry } from './schema';

const { encrypt, decrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);

export const SUITE = AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY;
export const FRAME_LENGTH = 64 * 1024;
/** Encrypted objects larger than this are refused before decryption (compressed JSON is far smaller). */
export const MAX_CIPHERTEXT_BYTES = LIMITS.maxDocumentBytes;

export const CONTEXT_KEYS = {
  run: 'inspector:run-id',
  instance: 'inspector:instance-id',
  schema: 'inspector:schema-version',
  encoding: 'inspector:content-encoding',
} as const;

export interface TelemetryAddress {
  runId: string;
  instanceId: string;
}

export function encryptionContextFor(address: TelemetryAddress): Record<string, string> {
  return {
    [CONTEXT_KEYS.run]: address.runId,
    [CONTEXT_KEYS.instance]: address.instanceId,
    [CONTEXT_KEYS.schema]: String(TELEMETRY_SCHEMA_VERSION),
    [CONTEXT_KEYS.encoding]: 'gzip+json',
  };
}

export class TelemetryDecryptError extends Error {
  override readonly name = 'TelemetryDecryptError';
}

/** Encrypt a telemetry document for the run and instance it names. */
export async function encryptTelemetry(doc: Telemetry, keyring: KeyringNode): Promise<Buffer> {
  const json = JSON.stringify(doc);
  if (Buffer.byteLength(json) > LIMITS.maxDocumentBytes) {
    throw new Error(`telemetry document is over the ${LIMITS.maxDocumentBytes}-byte limit`);
  }
  const { result } = await encrypt(keyring, gzipSync(json), {
    encryptionContext: encryptionContextFor(doc),
    suiteId: SUITE,
    frameLength: FRAME_LENGTH,
  });
  return result;
}

/**
 * Decrypt telemetry read for `expected` (the run and instance its storage key names). Refuses ciphertext
 * that was tampered with, whose encryption context names another run or instance, or whose decrypted
 * document does not match the address; then validates the document.
 */
export async function decryptTelemetry(
  ciphertext: Uint8Array,
  keyring: KeyringNode,
  expected: TelemetryAddress,
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
  const want = encryptionContextFor(expected);
  for (const [key, value] of Object.entries(want)) {
    if (context[key] !== value) {
      throw new TelemetryDecryptError(
        `encryption context mismatch: ${key} is ${JSON.stringify(context[key] ?? null)}, expected ${JSON.stringify(value)}`,
      );
    }
  }
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
