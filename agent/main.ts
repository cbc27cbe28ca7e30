/**
 * The agent's command line, the entry point of the bundle (dist/agent.js) and of the standalone
 * executables that SSM Run Command starts on instances.
 *
 *   cloud: --run-id R --instance-id I [--duration S] [--root DIR] --bucket B [--prefix P]
 *          --kms-key-arn ARN [--region REGION] [--upload-jitter S]
 *   local: --out FILE --key-file KEY [--run-id R] [--instance-id I] [--duration S] [--root DIR]
 *
 * It collects, encrypts with the AWS Encryption SDK (KMS keyring in the cloud, the raw AES key of
 * --key-file locally) under the run/instance encryption context, and uploads or writes the ciphertext. In the
 * cloud the context also names this instance's ARN, built from --instance-id and the partition, region and
 * account of --kms-key-arn (no metadata call): the instance policy lets kms:GenerateDataKey through only
 * when it equals the caller's ec2:SourceInstanceARN, so a wrong --instance-id cannot encrypt at all.
 * SIGTERM or SIGINT (SSM cancel, Ctrl-C) ends sampling early; what was collected is still delivered.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { getClient, type KeyringNode, KMS, KmsKeyringNode } from '@aws-crypto/client-node';
import type { S3Client } from '@aws-sdk/client-s3';
import {
  encryptTelemetry,
  type InstanceBinding,
  idSchema,
  isKmsKeyArn,
  LOCAL_BINDING,
  rawAesKeyring,
} from '../functions/core/telemetry';
import { collectTelemetry } from './collect';
import { AGENT_AWS_RETRY, defaultPrefix, uploadTelemetry } from './upload';

export type AgentOptions =
  | (CommonOptions & {
      mode: 'cloud';
      bucket: string;
      prefix: string;
      kmsKeyArn: string;
      region?: string;
    })
  | (CommonOptions & { mode: 'local'; out: string; keyFile: string });

interface CommonOptions {
  runId: string;
  instanceId: string;
  durationSeconds: number;
  root: string;
  /** File system walk budget (--walk-seconds, --walk-entries; --walk-seconds 0 turns the walk off). */
  walk?: { maxEntries?: number; maxSeconds?: number } | false;
  /**
   * --upload-jitter S: wait a random 0..S seconds after sampling, before the KMS data key and the upload,
   * so a fleet's agents reach KMS and S3 spread out (0, the default: no wait).
   */
  uploadJitterSeconds?: number;
}

/** The longest --upload-jitter accepted. */
export const MAX_UPLOAD_JITTER_SECONDS = 3600;

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

const USAGE = `usage:
  inspector-agent --run-id ID --instance-id ID --bucket BUCKET --kms-key-arn ARN [--prefix P] [--region R] [--duration S] [--root DIR] [--walk-seconds S] [--walk-entries N] [--upload-jitter S]
  inspector-agent --out FILE --key-file KEY [--run-id ID] [--instance-id ID] [--duration S] [--root DIR] [--walk-seconds S] [--walk-entries N]`;

export function parseAgentArgs(argv: readonly string[]): AgentOptions {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      'run-id': { type: 'string' },
      'instance-id': { type: 'string' },
      duration: { type: 'string', default: '0' },
      'walk-seconds': { type: 'string' },
      'walk-entries': { type: 'string' },
      'upload-jitter': { type: 'string', default: '0' },
      root: { type: 'string', default: '/' },
      bucket: { type: 'string' },
      prefix: { type: 'string' },
      'kms-key-arn': { type: 'string' },
      region: { type: 'string' },
      out: { type: 'string' },
      'key-file': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) throw new UsageError(USAGE);
  const durationSeconds = Number(values.duration);
  if (!Number.isInteger(durationSeconds) || durationSeconds < 0 || durationSeconds > 86_400) {
    throw new UsageError(
      `--duration must be a whole number of seconds from 0 to 86400, got ${values.duration}`,
    );
  }
  const uploadJitterSeconds = Number(values['upload-jitter']);
  if (
    !Number.isInteger(uploadJitterSeconds) ||
    uploadJitterSeconds < 0 ||
    uploadJitterSeconds > MAX_UPLOAD_JITTER_SECONDS
  ) {
    throw new UsageError(
      `--upload-jitter must be a whole number of seconds from 0 to ${MAX_UPLOAD_JITTER_SECONDS}, got ${values['upload-jitter']}`,
    );
  }
  const jitter = uploadJitterSeconds > 0 ? { uploadJitterSeconds } : {};
  const checkId = (flag: string, v: string): string => {
    if (!idSchema.safeParse(v).success)
      throw new UsageError(`${flag} ${JSON.stringify(v)} is not a valid id`);
    return v;
  };
  const root = values.root ?? '/';
  const walk = walkOption(values['walk-seconds'], values['walk-entries']);
  if (values.out !== undefined) {
    if (!values['key-file']) throw new UsageError(`--out needs --key-file\n${USAGE}`);
    return {
      mode: 'local',
      out: values.out,
      keyFile: values['key-file'],
      runId: checkId('--run-id', values['run-id'] ?? 'local'),
      instanceId: checkId('--instance-id', values['instance-id'] ?? (os.hostname() || 'localhost')),
      durationSeconds,
      root,
      ...(walk !== undefined ? { walk } : {}),
      ...jitter,
    };
  }
  const missing = (['run-id', 'instance-id', 'bucket', 'kms-key-arn'] as const).filter((k) => !values[k]);
  if (missing.length > 0)
    throw new UsageError(`missing ${missing.map((m) => `--${m}`).join(', ')}\n${USAGE}`);
  const runId = checkId('--run-id', values['run-id']!);
  if (!isKmsKeyArn(values['kms-key-arn']!)) {
    throw new UsageError(
      `--kms-key-arn ${values['kms-key-arn']} is not a KMS key ARN (arn:PARTITION:kms:REGION:ACCOUNT:key/ID); the envelope names this instance's ARN in the key's partition, region and account`,
    );
  }
  const prefix = values.prefix || defaultPrefix(runId);
  if (prefix.startsWith('/') || prefix.includes('..'))
    throw new UsageError(`--prefix ${prefix} is not a valid key prefix`);
  return {
    mode: 'cloud',
    runId,
    instanceId: checkId('--instance-id', values['instance-id']!),
    durationSeconds,
    root,
    ...(walk !== undefined ? { walk } : {}),
    ...jitter,
    bucket: values.bucket!,
    prefix,
    kmsKeyArn: values['kms-key-arn']!,
    ...(values.region ? { region: values.region } : {}),
  };
}

/** --walk-seconds S (0: no walk) and --walk-entries N; absent: the agent's defaults. */
function walkOption(
  seconds: string | undefined,
  entries: string | undefined,
): AgentOptions['walk'] | undefined {
  if (seconds === undefined && entries === undefined) return undefined;
  const s = seconds === undefined ? undefined : Number(seconds);
  const e = entries === undefined ? undefined : Number(entries);
  if (s !== undefined && (!Number.isFinite(s) || s < 0 || s > 3600))
    throw new UsageError(`--walk-seconds must be a number of seconds from 0 to 3600, got ${seconds}`);
  if (e !== undefined && (!Number.isInteger(e) || e < 1 || e > 100_000_000))
    throw new UsageError(`--walk-entries must be a whole number from 1 to 100000000, got ${entries}`);
  if (s === 0) return false;
  return { ...(s !== undefined ? { maxSeconds: s } : {}), ...(e !== undefined ? { maxEntries: e } : {}) };
}

export interface AgentDeps {
  /** S3 client for the upload (tests point it at a local server). */
  s3?: S3Client;
  /** Keyring override (tests use a KMS mock or a raw key). */
  keyring?: KeyringNode;
  signal?: AbortSignal;
  log?: (line: string) => void;
  /** The upload jitter's wait and its draw in [0, 1) (tests count them instead of waiting). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
}

export interface AgentResult {
  bytes: number;
  destination: string;
  warnings: number;
}

/**
 * How the envelope binds to this instance: in the cloud the context names the instance ARN derived from the
 * KMS key's ARN (what the instance policy compares with ec2:SourceInstanceARN); locally nothing more.
 */
export function envelopeBinding(opts: AgentOptions): InstanceBinding {
  return opts.mode === 'cloud' ? { kind: 'kms', keyArn: opts.kmsKeyArn } : LOCAL_BINDING;
}

/** Collect, encrypt and deliver telemetry for one run on one instance. */
export async function runAgent(opts: AgentOptions, deps: AgentDeps = {}): Promise<AgentResult> {
  const log = deps.log ?? (() => {});
  const doc = await collectTelemetry({
    root: opts.root,
    runId: opts.runId,
    instanceId: opts.instanceId,
    durationSeconds: opts.durationSeconds,
    ...(opts.walk !== undefined ? { walk: opts.walk } : {}),
    onProgress: log,
    ...(deps.signal ? { signal: deps.signal } : {}),
  });
  if (opts.uploadJitterSeconds) {
    const ms = Math.floor((deps.random ?? Math.random)() * opts.uploadJitterSeconds * 1000);
    log(`waiting ${ms} ms before encrypting and uploading (--upload-jitter ${opts.uploadJitterSeconds})`);
    // A stop (SIGTERM from an SSM cancel) ends the wait: what was collected is delivered at once.
    await (deps.sleep ?? abortableSleep)(ms, deps.signal);
  }
  const keyring =
    deps.keyring ??
    (opts.mode === 'local'
      ? rawAesKeyring(readFileSync(opts.keyFile))
      : new KmsKeyringNode({
          generatorKeyId: opts.kmsKeyArn,
          clientProvider: getClient(KMS, {
            ...AGENT_AWS_RETRY,
            ...(opts.region ? { region: opts.region } : {}),
          }),
        }));
  log('encrypting');
  const ciphertext = await encryptTelemetry(doc, keyring, envelopeBinding(opts));
  if (opts.mode === 'local') {
    writeFileSync(opts.out, ciphertext, { mode: 0o600 });
    return { bytes: ciphertext.byteLength, destination: opts.out, warnings: doc.warnings.length };
  }
  log('uploading');
  const put = await uploadTelemetry(
    {
      bucket: opts.bucket,
      prefix: opts.prefix,
      instanceId: opts.instanceId,
      kmsKeyArn: opts.kmsKeyArn,
      ...(opts.region ? { region: opts.region } : {}),
    },
    ciphertext,
    deps.s3,
  );
  return {
    bytes: ciphertext.byteLength,
    destination: `s3://${put.bucket}/${put.key}`,
    warnings: doc.warnings.length,
  };
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted || ms <= 0) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** CLI: returns the exit code (0 delivered, 2 usage, 1 any other failure). */
export async function main(argv: readonly string[]): Promise<number> {
  let opts: AgentOptions;
  try {
    opts = parseAgentArgs(argv);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return 2;
  }
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  const started = Date.now();
  try {
    const result = await runAgent(opts, {
      signal: stop.signal,
      log: (line) => process.stderr.write(`inspector-agent: ${line}\n`),
    });
    process.stdout.write(
      `${JSON.stringify({ status: 'delivered', runId: opts.runId, instanceId: opts.instanceId, ...result, elapsedMs: Date.now() - started })}\n`,
    );
    return 0;
  } catch (err) {
    process.stderr.write(`inspector-agent: failed: ${(err as Error).message}\n`);
    return 1;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
}
