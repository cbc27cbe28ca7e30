/**
 * Starts an exclusions preview's computation as an asynchronous invocation (InvocationType Event) of the
 * control-plane function that serves create-exclusions-preview: Lambda queues the event and answers 202 at
 * once, so the caller gets its preview token while the preview is WORK_IN_PROGRESS, as in Classic. The
 * function recognizes the event by its `exclusionsPreviewJob` field (functions/handlers/control-plane/runs.ts).
 */
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { ExclusionsPreviewJob, PreviewJobs } from '../../core/control-plane/ports';

export interface PreviewJobEvent {
  exclusionsPreviewJob: ExclusionsPreviewJob;
}

export function isPreviewJobEvent(event: unknown): event is PreviewJobEvent {
  const job = (event as { exclusionsPreviewJob?: Record<string, unknown> } | null)?.exclusionsPreviewJob;
  return typeof job?.templateId === 'string' && typeof job?.previewToken === 'string';
}

export class LambdaPreviewJobs implements PreviewJobs {
  constructor(
    private readonly lambda: LambdaClient,
    /** This function's name (AWS_LAMBDA_FUNCTION_NAME in the Lambda runtime). */
    private readonly functionName: string,
  ) {}

  async start(job: ExclusionsPreviewJob): Promise<void> {
    const event: PreviewJobEvent = { exclusionsPreviewJob: job };
    await invokeAsync(this.lambda, this.functionName, event);
  }
}

/** An asynchronous invocation (InvocationType Event) of a function with `event`; anything but 202 throws. */
export async function invokeAsync(lambda: LambdaClient, functionName: string, event: unknown): Promise<void> {
  const out = await lambda.send(
    new InvokeCommand({
      FunctionName: functionName,
      InvocationType: 'Event',
      Payload: new TextEncoder().encode(JSON.stringify(event)),
    }),
  );
  if (out.StatusCode !== 202) {
    throw new Error(`asynchronous invocation of ${functionName} answered ${out.StatusCode}`);
  }
}
