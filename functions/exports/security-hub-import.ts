/**
 * Sending ASFF findings to Security Hub with BatchImportFindings, within its limits (Security Hub partner
 * guide, "Guidelines for using the BatchImportFindings API": at most 100 findings and 6 MB a call, 240 KB a
 * finding): batches filled up to both limits; a finding over 240 KB is a permanent failure without being
 * sent; findings the service failed (FailedFindings) are sent again alone, and a throttled or failed call
 * again, with exponential backoff and jitter; what still fails after the last attempt is returned, never
 * dropped. The caller (a Lambda, or a CLI) gives the transport: `send` is BatchImportFindings.
 */
import { ASFF_LIMITS, type AsffFinding } from './asff';

export interface BatchImportAnswer {
  SuccessCount?: number;
  FailedCount?: number;
  FailedFindings?: Array<{ Id?: string; ErrorCode?: string; ErrorMessage?: string }>;
}

export interface BatchImportTransport {
  send(findings: AsffFinding[]): Promise<BatchImportAnswer>;
  /** Whether a thrown error may clear on retry (throttling, 5xx, timeouts). */
  isTransient(err: unknown): boolean;
}

export interface ImportOutcome {
  imported: number;
  failed: Array<{ id: string; reason: string }>;
  calls: number;
}

export async function importFindings(
  transport: BatchImportTransport,
  findings: readonly AsffFinding[],
  opts: { maxAttempts?: number; delay?: (attempt: number) => Promise<void> } = {},
): Promise<ImportOutcome> {
  const maxAttempts = opts.maxAttempts ?? 5;
  const delay =
    opts.delay ??
    ((attempt: number) =>
      new Promise<void>((r) => setTimeout(r, Math.random() * Math.min(8000, 200 * 2 ** attempt))));
  const outcome: ImportOutcome = { imported: 0, failed: [], calls: 0 };
  const sizes = new Map<AsffFinding, number>();
  const sendable: AsffFinding[] = [];
  for (const f of findings) {
    const size = Buffer.byteLength(JSON.stringify(f));
    if (size > ASFF_LIMITS.bytesPerFinding) {
      outcome.failed.push({
        id: f.Id,
        reason: `${size} bytes, over BatchImportFindings' ${ASFF_LIMITS.bytesPerFinding}`,
      });
      continue;
    }
    sizes.set(f, size);
    sendable.push(f);
  }
  const batches: AsffFinding[][] = [];
  let batch: AsffFinding[] = [];
  let bytes = 0;
  for (const f of sendable) {
    const size = sizes.get(f) as number;
    if (batch.length === ASFF_LIMITS.findingsPerCall || bytes + size > ASFF_LIMITS.bytesPerCall) {
      batches.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(f);
    bytes += size;
  }
  if (batch.length > 0) batches.push(batch);

  for (const first of batches) {
    let pending = first;
    let lastReason = new Map<string, string>();
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt >= maxAttempts) {
        for (const f of pending)
          outcome.failed.push({
            id: f.Id,
            reason: lastReason.get(f.Id) ?? `not imported after ${maxAttempts} attempts`,
          });
        break;
      }
      if (attempt > 0) await delay(attempt);
      let answer: BatchImportAnswer;
      outcome.calls++;
      try {
        answer = await transport.send(pending);
      } catch (err) {
        if (!transport.isTransient(err)) {
          for (const f of pending)
            outcome.failed.push({ id: f.Id, reason: `${(err as Error).name}: ${(err as Error).message}` });
          break;
        }
        lastReason = new Map(pending.map((f) => [f.Id, `${(err as Error).name}: ${(err as Error).message}`]));
        continue;
      }
      const failed = new Map(
        (answer.FailedFindings ?? []).map((x) => [
          x.Id ?? '',
          `${x.ErrorCode ?? ''}: ${x.ErrorMessage ?? ''}`,
        ]),
      );
      outcome.imported += pending.filter((f) => !failed.has(f.Id)).length;
      lastReason = failed;
      pending = pending.filter((f) => failed.has(f.Id));
    }
  }
  return outcome;
}
