/**
 * Telemetry envelope throughput: this machine's telemetry document, gzip + AWS Encryption SDK, for the
 * committing suites with and without an ECDSA signature and for 4 KiB and 64 KiB frames (median of 7).
 * The chosen configuration (functions/core/telemetry/envelope.ts) is marked. Run: npx tsx bench/envelope.ts
 */
import { randomBytes } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { AlgorithmSuiteIdentifier, buildClient, CommitmentPolicy } from '@aws-crypto/client-node';
import { collectTelemetry } from '../agent/collect';
import {
  decryptTelemetry,
  encryptionContextFor,
  encryptTelemetry,
  FRAME_LENGTH,
  rawAesKeyring,
  SUITE,
} from '../functions/core/telemetry';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function time(fn: () => Promise<unknown>, n = 7): Promise<number> {
  const xs: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    xs.push(performance.now() - t0);
  }
  return median(xs);
}

export async function envelopeBench(): Promise<void> {
  const { encrypt, decrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
  const keyring = rawAesKeyring(randomBytes(32));
  const doc = await collectTelemetry({ runId: 'bench', instanceId: 'bench' });
  const json = Buffer.from(JSON.stringify(doc));
  const gz = gzipSync(json);
  const context = encryptionContextFor(doc);
  console.log(
    `## Telemetry envelope (document ${(json.length / 1024).toFixed(0)} KiB JSON, ${(gz.length / 1024).toFixed(0)} KiB gzip)`,
  );
  const gzipMs = await time(async () => gzipSync(json));
  const gunzipMs = await time(async () => gunzipSync(gz));
  console.log(`  gzip ${gzipMs.toFixed(1)} ms, gunzip ${gunzipMs.toFixed(1)} ms`);
  // Raw 1 MiB payload, to compare suites and frame sizes on equal bytes.
  const mib = randomBytes(1024 * 1024);
  const configs: Array<[string, AlgorithmSuiteIdentifier, number]> = [
    [
      'COMMIT_KEY            64 KiB frames',
      AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY,
      65536,
    ],
    [
      'COMMIT_KEY             4 KiB frames',
      AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY,
      4096,
    ],
    [
      'COMMIT_KEY_ECDSA_P384 64 KiB frames',
      AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY_ECDSA_P384,
      65536,
    ],
    [
      'COMMIT_KEY_ECDSA_P384  4 KiB frames',
      AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY_ECDSA_P384,
      4096,
    ],
  ];
  for (const [name, suiteId, frameLength] of configs) {
    const { result } = await encrypt(keyring, mib, { encryptionContext: context, suiteId, frameLength });
    const enc = await time(() => encrypt(keyring, mib, { encryptionContext: context, suiteId, frameLength }));
    const dec = await time(() => decrypt(keyring, result));
    const chosen = suiteId === SUITE && frameLength === FRAME_LENGTH ? '  <- chosen' : '';
    console.log(
      `  1 MiB ${name}: encrypt ${enc.toFixed(1)} ms (${(1000 / enc).toFixed(0)} MiB/s), decrypt ${dec.toFixed(1)} ms, +${result.length - mib.length} bytes${chosen}`,
    );
  }
  const ct = await encryptTelemetry(doc, keyring);
  const full = await time(() => encryptTelemetry(doc, keyring));
  const back = await time(() => decryptTelemetry(ct, keyring, doc));
  console.log(
    `  this machine's document end to end: encrypt (gzip+seal) ${full.toFixed(1)} ms, decrypt+validate ${back.toFixed(1)} ms, ${(ct.length / 1024).toFixed(0)} KiB stored`,
  );
  console.log('  reproduce: npx tsx bench/envelope.ts');
}

if (import.meta.url === `file://${process.argv[1]}`) await envelopeBench();
