/**
 * Control-plane errors with Classic's error codes. A handler answers `{ ok: false, error: { code, message } }`
 * instead of throwing, so the code survives Lambda invocation and the CLI can print it on one line.
 */
import type * as z from 'zod';

export const ERROR_CODES = [
  'InvalidInputException',
  'NoSuchEntityException',
  'LimitExceededException',
  'AgentsAlreadyRunningAssessmentException',
  'AssessmentRunInProgressException',
  'InternalException',
  /** create-exclusions-preview while the template's previous preview is still being computed. */
  'PreviewGenerationInProgressException',
  /** Classic's retryable refusal: here, a change that kept losing to concurrent changes of the same item. */
  'ServiceTemporarilyUnavailableException',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export class ControlPlaneError extends Error {
  override readonly name = 'ControlPlaneError';
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export const invalidInput = (message: string) => new ControlPlaneError('InvalidInputException', message);
export const noSuchEntity = (message: string) => new ControlPlaneError('NoSuchEntityException', message);
export const limitExceeded = (message: string) => new ControlPlaneError('LimitExceededException', message);

/** One line naming each failing field: `targetId: Required; tags.0.key: too short`. */
export function describeZodError(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.map(String).join('.');
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join('; ');
}

/** Parse with a schema; a failure becomes InvalidInputException naming the operation and the fields. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, operation: string): z.infer<S> {
  const result = schema.safeParse(input ?? {});
  if (!result.success) throw invalidInput(`${operation}: ${describeZodError(result.error)}`);
  return result.data;
}

export interface ErrorBody {
  code: ErrorCode;
  message: string;
}

/** What a control-plane Lambda returns. */
export type ControlPlaneResponse<T = unknown> = { ok: true; result: T } | { ok: false; error: ErrorBody };

export function toErrorBody(err: unknown): ErrorBody {
  if (err instanceof ControlPlaneError) return { code: err.code, message: err.message };
  return { code: 'InternalException', message: 'internal error (see the function logs)' };
}
