/**
 * The telemetry contract: the one document the agent writes and the evaluator reads.
 *
 * The agent records raw material (file contents, command output, stat results, kernel parameters) and
 * leaves all interpretation to functions/parsers. Every item says whether it was collected and, when not,
 * why. The document is untrusted input at every boundary: validate it with `parseTelemetry`.
 *
 * This folder (functions/core/telemetry) is the only part of functions/ the agent may import.
 */
import { z } from 'zod';

export const TELEMETRY_SCHEMA_VERSION = 1 as const;

/** Hard limits: a document outside them is rejected, never truncated silently. */
export const LIMITS = {
  /** Largest serialized document accepted (bytes of JSON). */
  maxDocumentBytes: 64 * 1024 * 1024,
  /** Largest single file the agent records in full (package databases can be several MB). */
  maxFileBytes: 32 * 1024 * 1024,
  /** Largest configuration file the agent records (sshd, PAM, login.defs...). */
  maxConfigFileBytes: 1024 * 1024,
  /** Largest command output recorded. */
  maxCommandOutputBytes: 32 * 1024 * 1024,
  maxFiles: 5_000,
  maxKernelParameters: 20_000,
  maxSamples: 10_000,
  maxProcessesPerSample: 20_000,
} as const;

/** System directories the agent stats (owner, mode), judged by sbp.system-dir-permissions. */
export const SYSTEM_DIRECTORIES = [
  '/bin',
  '/sbin',
  '/usr/bin',
  '/usr/sbin',
  '/lib',
  '/lib64',
  '/usr/lib',
  '/usr/lib64',
  '/usr/local/bin',
  '/usr/local/sbin',
  '/etc',
  '/boot',
] as const;

const isoTime = z.string().datetime({ offset: true });
const absPath = z
  .string()
  .min(1)
  .max(4096)
  .refine((p) => p.startsWith('/'), 'must be an absolute path');
/** Identifiers that end up in storage keys: no path separators, no control characters. */
export const idSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'must be letters, digits, ".", "_", ":" or "-"');

/** Why an item could not be collected. */
export const missingReason = z.enum(['not-found', 'permission-denied', 'not-a-file', 'too-large', 'error']);
export type MissingReason = z.infer<typeof missingReason>;

const notCollected = z.object({
  status: z.literal('missing'),
  reason: missingReason,
  detail: z.string().max(2048),
});

export const fileRecordSchema = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('ok'),
    /** utf8 text, or base64 when the file is not valid UTF-8. */
    encoding: z.enum(['utf8', 'base64']),
    content: z.string(),
    size: z.number().int().nonnegative(),
    mode: z.number().int().nonnegative(),
    uid: z.number().int().nonnegative(),
    gid: z.number().int().nonnegative(),
    /** Where a symlink led, relative to the collection root, when the path was a link. */
    resolvedPath: absPath.optional(),
  }),
  notCollected,
]);
export type FileRecord = z.infer<typeof fileRecordSchema>;

export const pathStatSchema = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('ok'),
    type: z.enum(['file', 'directory', 'symlink', 'other']),
    mode: z.number().int().nonnegative(),
    uid: z.number().int().nonnegative(),
    gid: z.number().int().nonnegative(),
    /** Set when the path itself is a symlink: the link text and what it resolved to under the root. */
    linkTarget: z.string().max(4096).optional(),
    resolvedPath: absPath.optional(),
  }),
  notCollected,
]);
export type PathStat = z.infer<typeof pathStatSchema>;

export const commandRecordSchema = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('ok'),
    argv: z.array(z.string()).min(1),
    exitCode: z.number().int(),
    stdout: z.string(),
    stderr: z.string().max(64 * 1024),
  }),
  notCollected.extend({ argv: z.array(z.string()).min(1) }),
]);
export type CommandRecord = z.infer<typeof commandRecordSchema>;

/** A snapshot taken during the sampling window; later packages add optional fields here. */
export const sampleSchema = z.object({
  at: isoTime,
  processes: z
    .array(
      z.object({
        pid: z.number().int().positive(),
        ppid: z.number().int().nonnegative(),
        uid: z.number().int().nonnegative(),
        comm: z.string().max(256),
        exe: z.string().max(4096).optional(),
      }),
    )
    .max(LIMITS.maxProcessesPerSample)
    .optional(),
});
export type Sample = z.infer<typeof sampleSchema>;

export const telemetrySchema = z
  .object({
    schemaVersion: z.literal(TELEMETRY_SCHEMA_VERSION),
    agent: z.object({ name: z.string().max(64), version: z.string().max(64) }),
    runId: idSchema,
    instanceId: idSchema,
    /** The directory the agent treated as `/`. */
    root: absPath,
    collection: z.object({
      startedAt: isoTime,
      finishedAt: isoTime,
      durationSeconds: z.number().nonnegative(),
    }),
    host: z.object({
      /** Kernel name: `Linux` from /proc/sys/kernel/ostype, else the agent's own platform. */
      kernelName: z.string().max(64),
      /** Where kernelName came from. */
      kernelNameSource: z.enum(['proc', 'os-release', 'agent-platform', 'unknown']),
      /** Machine architecture (x86_64, aarch64...), from /proc/sys/kernel/arch or the agent process. */
      arch: z.string().max(64).optional(),
      archSource: z.enum(['proc', 'agent-process']).optional(),
    }),
    /** Raw files keyed by their absolute path inside the root. */
    files: z.record(absPath, fileRecordSchema),
    /** stat of paths (system directories), keyed by path inside the root. */
    paths: z.record(absPath, pathStatSchema),
    /** Output of commands (package managers without a readable database, e.g. rpm). */
    commands: z.record(z.string().max(64), commandRecordSchema),
    /** /proc/sys, flattened to dotted keys (kernel.randomize_va_space). */
    kernelParameters: z.discriminatedUnion('status', [
      z.object({
        status: z.literal('ok'),
        values: z.record(z.string().max(512), z.string().max(64 * 1024)),
        /** Parameters that exist but could not be read (write-only, permission), with the error code. */
        unreadable: z.record(z.string().max(512), z.string().max(64)),
      }),
      notCollected,
    ]),
    /** Samples over the run's duration; empty when the duration was 0. */
    samples: z.array(sampleSchema).max(LIMITS.maxSamples),
    /** Problems the agent met and recovered from. */
    warnings: z.array(z.string().max(2048)).max(1000),
  })
  .superRefine((doc, ctx) => {
    if (Object.keys(doc.files).length > LIMITS.maxFiles) {
      ctx.addIssue({ code: 'custom', message: `more than ${LIMITS.maxFiles} files`, path: ['files'] });
    }
    if (
      doc.kernelParameters.status === 'ok' &&
      Object.keys(doc.kernelParameters.values).length > LIMITS.maxKernelParameters
    ) {
      ctx.addIssue({ code: 'custom', message: 'too many kernel parameters', path: ['kernelParameters'] });
    }
  });

export type Telemetry = z.infer<typeof telemetrySchema>;

export class TelemetryValidationError extends Error {
  override readonly name = 'TelemetryValidationError';
  constructor(
    message: string,
    readonly issues: readonly string[],
  ) {
    super(message);
  }
}

/** Validate an untrusted value as a telemetry document; throws TelemetryValidationError with readable issues. */
export function parseTelemetry(value: unknown): Telemetry {
  const result = telemetrySchema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues
    .slice(0, 20)
    .map((i) => `${i.path.map(String).join('.') || '(document)'}: ${i.message}`);
  throw new TelemetryValidationError(
    `telemetry document is invalid: ${issues.slice(0, 3).join('; ')}`,
    issues,
  );
}

/** Parse and validate serialized telemetry, refusing oversized input before parsing it. */
export function parseTelemetryJson(text: string): Telemetry {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > LIMITS.maxDocumentBytes) {
    throw new TelemetryValidationError(
      `telemetry document is ${bytes} bytes, over the ${LIMITS.maxDocumentBytes}-byte limit`,
      ['(document): too large'],
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new TelemetryValidationError(`telemetry document is not JSON: ${(err as Error).message}`, [
      '(document): not JSON',
    ]);
  }
  return parseTelemetry(value);
}

/** Decode a collected file's content to text (base64 content is decoded as latin1 to stay lossless). */
export function fileText(record: FileRecord): string | undefined {
  if (record.status !== 'ok') return undefined;
  return record.encoding === 'utf8'
    ? record.content
    : Buffer.from(record.content, 'base64').toString('latin1');
}
