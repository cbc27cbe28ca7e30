/** Encrypted telemetry objects, telemetry/<runId>/<instanceId>.bin. */
export interface TelemetryStore {
  /** Where agents upload: bucket and key prefix (the agent appends `<instanceId>.bin`). */
  uploadLocation(runId: string): { bucket: string; prefix: string };
  /** The encrypted object, or undefined when there is none. Refuses objects over `maxBytes`. */
  get(runId: string, instanceId: string, maxBytes: number): Promise<Uint8Array | undefined>;
  deleteByRun(runId: string): Promise<number>;
}

/** Reports rendered for a run (reports/<runId>/...). */
export interface ReportStore {
  deleteByRun(runId: string): Promise<number>;
}

export function telemetryKey(runId: string, instanceId: string): string {
  return `${telemetryPrefix(runId)}${instanceId}.bin`;
}

export function telemetryPrefix(runId: string): string {
  return `telemetry/${runId}/`;
}

export function reportsPrefix(runId: string): string {
  return `reports/${runId}/`;
}

export class TelemetryTooLargeError extends Error {
  override readonly name = 'TelemetryTooLargeError';
}
