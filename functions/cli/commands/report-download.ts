/**
 * `inspector get-assessment-report --out FILE`: asks until the report is COMPLETED (or FAILED, or the wait
 * is over), then downloads it from the pre-signed URL into FILE (written beside it, then renamed: a failed
 * download leaves no partial file).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';

export interface DownloadOptions {
  out: string;
  waitSeconds: number;
  pollSeconds: number;
  /** Injected by tests; the real one waits. */
  sleep?: (ms: number) => Promise<void>;
  fetchUrl?: (url: string) => Promise<Response>;
}

interface Answer {
  status?: string;
  url?: string;
  failure?: string;
}

export async function downloadReport(
  call: (input: Record<string, unknown>) => Promise<unknown>,
  input: Record<string, unknown>,
  opts: DownloadOptions,
): Promise<{ status: string; out: string; bytes: number }> {
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const deadline = Date.now() + opts.waitSeconds * 1000;
  let answer = (await call(input)) as Answer;
  while (answer.status === 'WORK_IN_PROGRESS') {
    if (Date.now() >= deadline) {
      throw new Error(`the report is still being generated after ${opts.waitSeconds} s; ask again later`);
    }
    await sleep(opts.pollSeconds * 1000);
    answer = (await call(input)) as Answer;
  }
  if (answer.status === 'FAILED')
    throw new Error(`the report failed: ${answer.failure ?? 'no reason given'}`);
  if (answer.status !== 'COMPLETED' || !answer.url) {
    throw new Error(`unexpected answer: ${JSON.stringify(answer).slice(0, 200)}`);
  }
  const res = await (opts.fetchUrl ?? fetch)(answer.url);
  if (!res.ok) throw new Error(`downloading the report failed: HTTP ${res.status}`);
  const bytes = new Uint8Array(await res.arrayBuffer());
  const tmp = path.join(path.dirname(opts.out), `.${path.basename(opts.out)}.${process.pid}.part`);
  await fs.writeFile(tmp, bytes);
  await fs.rename(tmp, opts.out);
  return { status: 'COMPLETED', out: opts.out, bytes: bytes.byteLength };
}
