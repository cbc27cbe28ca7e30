/**
 * Classic's telemetry metadata: per message type (here, per section of the telemetry document) how many
 * items the agent sent and how many bytes they took. EvaluateInstance records it on the run instance once
 * the document is decrypted and validated, so get-telemetry-metadata and list-assessment-run-agents read
 * a few hundred bytes per instance instead of decrypting telemetry again. Sizes are bytes of the section's
 * JSON (UTF-8), as the agent serialized it before encryption; `encryptedTelemetry` is the stored object.
 */
import type { Telemetry } from '../telemetry';
import type { TelemetryMetadata } from './model';

/** The message types, in the order they are reported. */
export const TELEMETRY_MESSAGE_TYPES = [
  'files',
  'paths',
  'commands',
  'kernelParameters',
  'samples',
  'runtime.processes',
  'runtime.objects',
  'runtime.listeners',
  'runtime.connections',
  'encryptedTelemetry',
] as const;

const jsonBytes = (value: unknown): number =>
  value === undefined ? 0 : Buffer.byteLength(JSON.stringify(value), 'utf8');

export function telemetryMetadata(telemetry: Telemetry, storedBytes: number): TelemetryMetadata[] {
  const kernel = telemetry.kernelParameters;
  const runtime = telemetry.runtime;
  const entry = (messageType: string, count: number, value: unknown): TelemetryMetadata => ({
    messageType,
    count,
    dataSize: jsonBytes(value),
  });
  return [
    entry('files', Object.keys(telemetry.files).length, telemetry.files),
    entry('paths', Object.keys(telemetry.paths).length, telemetry.paths),
    entry('commands', Object.keys(telemetry.commands).length, telemetry.commands),
    entry(
      'kernelParameters',
      kernel.status === 'ok' ? Object.keys(kernel.values).length + Object.keys(kernel.unreadable).length : 0,
      kernel,
    ),
    entry('samples', telemetry.samples.length, telemetry.samples),
    entry('runtime.processes', runtime?.processes.length ?? 0, runtime?.processes),
    entry('runtime.objects', runtime?.objects.length ?? 0, runtime?.objects),
    entry('runtime.listeners', runtime?.listeners.length ?? 0, runtime?.listeners),
    entry('runtime.connections', runtime?.connections.length ?? 0, runtime?.connections),
    { messageType: 'encryptedTelemetry', count: 1, dataSize: storedBytes },
  ];
}

/** The metadata of several instances, summed per message type (get-telemetry-metadata of a run). */
export function sumTelemetryMetadata(all: ReadonlyArray<readonly TelemetryMetadata[]>): TelemetryMetadata[] {
  const sums = new Map<string, TelemetryMetadata>();
  for (const list of all) {
    for (const m of list) {
      const s = sums.get(m.messageType) ?? { messageType: m.messageType, count: 0, dataSize: 0 };
      s.count += m.count;
      s.dataSize += m.dataSize;
      sums.set(m.messageType, s);
    }
  }
  const order = (t: string) => {
    const i = (TELEMETRY_MESSAGE_TYPES as readonly string[]).indexOf(t);
    return i < 0 ? TELEMETRY_MESSAGE_TYPES.length : i;
  };
  return [...sums.values()].sort((a, b) => order(a.messageType) - order(b.messageType));
}
