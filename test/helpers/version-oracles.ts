/**
 * The real version comparators, called in batches: `dpkg --compare-versions` (a few bash loops in parallel)
 * and rpm's own `rpm.labelCompare` through Debian's python3-rpm (one python process for all pairs).
 * When a tool is missing, `requireOracle` throws naming the Debian package to install: tests never skip.
 */
import { spawn, spawnSync } from 'node:child_process';
import os from 'node:os';

export interface Pair {
  a: string;
  b: string;
}

const PYTHON = '/usr/bin/python3';

/** Throws with an install hint unless the oracle for the format runs here. */
export function requireOracle(format: 'dpkg' | 'rpm'): void {
  if (format === 'dpkg') {
    const r = spawnSync('dpkg', ['--compare-versions', '1', 'lt', '2'], { encoding: 'utf8' });
    if (r.error || r.status !== 0) {
      throw new Error(
        `the dpkg oracle is not available (${r.error?.message ?? r.stderr}): install the Debian package "dpkg" (apt-get install -y dpkg)`,
      );
    }
    return;
  }
  const r = spawnSync(PYTHON, ['-c', 'import rpm; rpm.labelCompare(("0","1","1"),("0","1","2"))'], {
    encoding: 'utf8',
  });
  if (r.error || r.status !== 0) {
    throw new Error(
      `the rpm oracle is not available (${r.error?.message ?? r.stderr.trim()}): install the Debian package "python3-rpm" (apt-get update && apt-get install -y python3-rpm); it runs with ${PYTHON}`,
    );
  }
}

function run(cmd: string, args: string[], input: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out).toString('utf8'));
      else reject(new Error(`${cmd} exited ${code}: ${Buffer.concat(err).toString('utf8').slice(0, 2000)}`));
    });
    child.stdin.end(input);
  });
}

/**
 * dpkg's verdict for each pair: -1, 0, 1, or 'error' when dpkg refuses a version (exit status 2).
 * `claimed` (our verdict) lets one dpkg call confirm most pairs: `a lt b` for -1, `a eq b` for 0,
 * `a gt b` for 1, a refusal for 'error'; only when dpkg does not confirm is the full verdict computed.
 * Versions must be non-empty and free of whitespace (test those one by one).
 */
const DPKG_LOOP = `
while read -r idx op a b; do
  dpkg --compare-versions "$a" "$op" "$b" 2>/dev/null; r=$?
  case "$idx" in e*) [ $r -eq 2 ] && { echo "\${idx#e} error"; continue; } ; idx=\${idx#e} ;; *) [ $r -eq 0 ] && { echo "$idx ok"; continue; } ;; esac
  dpkg --compare-versions "$a" lt "$b" 2>/dev/null; r=$?
  if [ $r -eq 0 ]; then echo "$idx -1"
  elif [ $r -ne 1 ]; then echo "$idx error"
  elif dpkg --compare-versions "$a" eq "$b" 2>/dev/null; then echo "$idx 0"
  else echo "$idx 1"; fi
done
`;

export type DpkgVerdict = number | 'error';

export async function dpkgOracle(
  pairs: readonly Pair[],
  claimed: readonly DpkgVerdict[],
): Promise<DpkgVerdict[]> {
  pairs.forEach((p, i) => {
    if (!p.a || !p.b || /\s/.test(p.a) || /\s/.test(p.b)) {
      throw new Error(`pair ${i} cannot be batched (empty or whitespace): ${JSON.stringify(p)}`);
    }
  });
  const op = (c: DpkgVerdict | undefined): string => (c === -1 ? 'lt' : c === 1 ? 'gt' : 'eq');
  const workers = Math.max(1, Math.min(8, os.availableParallelism()));
  const chunks: string[][] = Array.from({ length: workers }, () => []);
  pairs.forEach((p, i) => {
    const c = claimed[i];
    chunks[i % workers]!.push(`${c === 'error' ? 'e' : ''}${i} ${op(c)} ${p.a} ${p.b}`);
  });
  const outputs = await Promise.all(chunks.map((c) => run('bash', ['-c', DPKG_LOOP], `${c.join('\n')}\n`)));
  const result = new Array<DpkgVerdict | undefined>(pairs.length);
  for (const line of outputs.join('').split('\n')) {
    if (!line) continue;
    const [idx, verdict] = line.split(' ');
    const i = Number(idx);
    result[i] = verdict === 'ok' ? claimed[i] : verdict === 'error' ? 'error' : Number(verdict);
  }
  return result.map((r, i) => {
    if (r === undefined) throw new Error(`dpkg gave no verdict for pair ${i}`);
    return r;
  });
}

/** One EVR as python-rpm's labelCompare takes it: null epoch means 0, null release sorts first. */
export interface EvrTuple {
  epoch: string | null;
  version: string;
  release: string | null;
}

const RPM_SCRIPT = `
import json, sys, rpm
out = []
for line in sys.stdin:
    a, b = json.loads(line)
    out.append(str(rpm.labelCompare(tuple(a), tuple(b))))
sys.stdout.write("\\n".join(out) + "\\n")
`;

/** rpm.labelCompare for each pair of EVR tuples, in one python process. */
export async function rpmOracle(pairs: ReadonlyArray<[EvrTuple, EvrTuple]>): Promise<number[]> {
  const input = pairs
    .map(([a, b]) =>
      JSON.stringify([
        [a.epoch, a.version, a.release],
        [b.epoch, b.version, b.release],
      ]),
    )
    .join('\n');
  const out = await run(PYTHON, ['-c', RPM_SCRIPT], `${input}\n`);
  const lines = out.trim().split('\n').map(Number);
  if (lines.length !== pairs.length)
    throw new Error(`rpm oracle answered ${lines.length} of ${pairs.length} pairs`);
  return lines;
}

/** Split `[epoch:]version[-release]` the way rpm's parseEVR does, for feeding the oracle. */
export function evrTuple(evr: string): EvrTuple {
  const m = /^([0-9]+):/.exec(evr);
  const epoch = m ? m[1]! : null;
  const rest = m ? evr.slice(m[0].length) : evr;
  const h = rest.lastIndexOf('-');
  return h >= 0
    ? { epoch, version: rest.slice(0, h), release: rest.slice(h + 1) }
    : { epoch, version: rest, release: null };
}
