/**
 * The reference tools the ELF reader is checked against: checksec (Debian package `checksec`) and
 * hardening-check (Debian package `devscripts`). `.ci/run` installs both; when one is missing the tests
 * fail naming the package: they never skip.
 */
import { execFile, execFileSync } from 'node:child_process';

export function requireTool(command: string, debianPackage: string): void {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'pipe' });
  } catch {
    throw new Error(`${command} is not installed: apt-get install --no-install-recommends ${debianPackage}`);
  }
}

export interface ChecksecVerdict {
  relro: 'full' | 'partial' | 'no';
  canary: 'yes' | 'no';
  nx: 'yes' | 'no';
  pie: 'yes' | 'no' | 'dso' | 'rel' | 'not_elf';
  rpath: 'yes' | 'no';
  runpath: 'yes' | 'no';
  fortified: number;
}

function run(cmd: string, args: string[], timeoutMs = 120_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      cmd,
      args,
      { env: { ...process.env, LANG: 'C', LC_ALL: 'C' }, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout) => {
        // hardening-check exits 1 when a check fails: its report is still on stdout.
        if (err && stdout.length === 0) reject(err);
        else resolve(stdout);
      },
    );
  });
}

export async function checksec(file: string): Promise<ChecksecVerdict> {
  const out = await run('checksec', ['--format=json', `--file=${file}`]);
  const parsed = JSON.parse(out) as Record<string, Record<string, string>>;
  const v = Object.values(parsed)[0];
  if (!v) throw new Error(`checksec gave nothing for ${file}: ${out}`);
  return {
    relro: v.relro as ChecksecVerdict['relro'],
    canary: v.canary as ChecksecVerdict['canary'],
    nx: v.nx as ChecksecVerdict['nx'],
    pie: v.pie as ChecksecVerdict['pie'],
    rpath: v.rpath as ChecksecVerdict['rpath'],
    runpath: v.runpath as ChecksecVerdict['runpath'],
    fortified: Number(v.fortified ?? 0),
  };
}

/** hardening-check's lines, name → value ("Position Independent Executable" → "yes", …). */
export async function hardeningCheck(file: string): Promise<Record<string, string>> {
  const out = await run('hardening-check', [file]);
  const lines: Record<string, string> = {};
  for (const line of out.split('\n').slice(1)) {
    const m = /^\s+([^:]+):\s+(.*)$/.exec(line);
    if (m) lines[m[1]!] = m[2]!;
  }
  if (!lines['Position Independent Executable']) throw new Error(`hardening-check said: ${out}`);
  return lines;
}

/** Runs `fn` over `items`, `limit` at a time. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (t: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      out[i] = await fn(items[i]!);
    }
  });
  await Promise.all(workers);
  return out;
}
