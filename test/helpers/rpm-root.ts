/**
 * rpm roots for agent tests: the agent runs `rpm -qa` only when an rpm database exists and the rpm command
 * does, so each root has /var/lib/rpm and a small executable script named `rpm` is put first on PATH for the
 * collection. By default it prints the given lines whatever it is asked; `rejectModularityLabel` makes it
 * behave like rpm < 4.14 (Amazon Linux 2, EL7), which refuses a query format naming MODULARITYLABEL with
 * "error: incorrect format: unknown tag" and status 1. The real collectTelemetry runs it.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { collectTelemetry } from '../../agent/collect';
import { parseTelemetry, type Telemetry } from '../../functions/core/telemetry';
import { makeRoot, type RootSpec } from './fixture-root';

const dirs: string[] = [];

/** One `rpm -qa` line in the agent's query format; `module` adds the MODULARITYLABEL field ('(none)' for none). */
export const rpmLine = (
  name: string,
  epoch: string,
  version: string,
  release: string,
  arch: string,
  srpm?: string,
  module?: string,
) =>
  [
    name,
    epoch,
    version,
    release,
    arch,
    srpm ?? `${name}-${version}-${release}.src.rpm`,
    ...(module ? [module] : []),
  ].join('\t');

export async function collectRpmRoot(opts: {
  osRelease: string;
  lines: string[];
  kernel: string;
  instanceId: string;
  spec?: RootSpec;
  rejectModularityLabel?: boolean;
}): Promise<Telemetry> {
  const spec = opts.spec ?? {};
  const root = makeRoot({
    ...spec,
    files: { '/etc/os-release': opts.osRelease, ...(spec.files ?? {}) },
    dirs: { '/var/lib/rpm': 0o755, ...(spec.dirs ?? {}) },
    sysctl: {
      'kernel.osrelease': opts.kernel,
      'kernel.ostype': 'Linux',
      'kernel.arch': 'x86_64',
      ...(spec.sysctl ?? {}),
    },
  });
  const bin = mkdtempSync(path.join(os.tmpdir(), 'fake-rpm-'));
  dirs.push(bin);
  const out = path.join(bin, 'rpm.out');
  writeFileSync(out, `${opts.lines.join('\n')}\n`);
  const script = opts.rejectModularityLabel
    ? `#!/bin/sh\ncase "$*" in *MODULARITYLABEL*) echo 'error: incorrect format: unknown tag: "modularitylabel"' >&2; exit 1;; esac\ncat "${out}"\n`
    : `#!/bin/sh\ncat "${out}"\n`;
  writeFileSync(path.join(bin, 'rpm'), script);
  chmodSync(path.join(bin, 'rpm'), 0o755);
  const savedPath = process.env.PATH;
  process.env.PATH = `${bin}:${savedPath}`;
  try {
    const t = await collectTelemetry({ root, runId: 'run-rpm', instanceId: opts.instanceId });
    return parseTelemetry(JSON.parse(JSON.stringify(t)));
  } finally {
    process.env.PATH = savedPath;
  }
}

export function cleanupRpmBins(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}
