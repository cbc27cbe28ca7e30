/** Errors that end a run's start or a control operation; their names become the Step Functions error. */
export class TemplateNotFoundError extends Error {
  override readonly name = 'TemplateNotFoundError';
}
export class NoMatchingInstancesError extends Error {
  override readonly name = 'NoMatchingInstancesError';
}
export class LimitExceededError extends Error {
  override readonly name = 'LimitExceededError';
}
/** An instance of the target is already in another active run: the start changed nothing. */
export class RunConflictError extends Error {
  override readonly name = 'RunConflictError';
}
export class RunNotFoundError extends Error {
  override readonly name = 'RunNotFoundError';
}
export class InvalidRunStateError extends Error {
  override readonly name = 'InvalidRunStateError';
}
export class InvalidInputError extends Error {
  override readonly name = 'InvalidInputError';
}
/** The key service (KMS) throttled or failed: retry later; not the instance's fault. */
export class KeyServiceUnavailableError extends Error {
  override readonly name = 'KeyServiceUnavailableError';
}
/** The key exists but the evaluator may not use it (policy, disabled, pending deletion): not the instance's fault. */
export class KeyConfigurationError extends Error {
  override readonly name = 'KeyConfigurationError';
}
/** Events could not be published to the stack's run-events topic (required). */
export class EventsNotPublishedError extends Error {
  override readonly name = 'EventsNotPublishedError';
}

/** Lambda errors arrive as a JSON Cause ({errorMessage, errorType, ...}); keep the message. */
export function failureCause(cause: string | undefined): string {
  if (!cause) return 'unknown error';
  try {
    const parsed: unknown = JSON.parse(cause);
    if (
      parsed &&
      typeof parsed === 'object' &&
      typeof (parsed as { errorMessage?: unknown }).errorMessage === 'string'
    ) {
      return (parsed as { errorMessage: string }).errorMessage;
    }
  } catch {
    // not JSON: keep as is
  }
  return cause;
}
