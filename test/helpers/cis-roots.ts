/**
 * Root trees and telemetry for the cis package's tests: a RootSpec plus the material the CIS templates
 * read (installed dpkg packages, file owners, a Debian 12 or Ubuntu 22.04 os-release), collected by the real
 * agent. `live` turns the document into a running host's (root `/`, systemctl output as given; /proc files
 * come from the spec: /proc/sys via `sysctl`, /proc/modules and /proc/self/mounts as files): the agent
 * cannot run a fixture's systemctl, so the test supplies what it would print.
 *
 * Per benchmark, CIS_ROOTS holds a root meant to pass most controls and one meant to fail them (the
 * templates of issue 8 add their material here).
 */
import { chownSync } from 'node:fs';
import path from 'node:path';
import { collectTelemetry } from '../../agent/collect';
import { Facts } from '../../functions/core/facts/facts';
import { parseTelemetry, type Telemetry } from '../../functions/core/telemetry';
import { stanza } from './debian-records';
import { makeRoot, type RootSpec } from './fixture-root';

export const OS_RELEASE = {
  debian12:
    'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nVERSION="12 (bookworm)"\nVERSION_CODENAME=bookworm\nID=debian\n',
  ubuntu2204:
    'PRETTY_NAME="Ubuntu 22.04.4 LTS"\nNAME="Ubuntu"\nVERSION_ID="22.04"\nVERSION="22.04.4 LTS (Jammy Jellyfish)"\nVERSION_CODENAME=jammy\nID=ubuntu\nID_LIKE=debian\n',
} as const;
export type CisOs = keyof typeof OS_RELEASE;

export interface LiveSpec {
  /** `systemctl list-unit-files` states by unit (enabled, disabled, masked, static...). */
  unitFiles?: Record<string, string>;
  /** `systemctl list-units --all` active state by unit (active, inactive, failed). */
  units?: Record<string, string>;
}

export interface CisRootSpec extends RootSpec {
  os?: CisOs;
  /** Installed dpkg packages (name → version, or names at version 1.0-1). */
  packages?: Record<string, string> | string[];
  /** path → [uid, gid], applied after the tree is made (tests run as root). */
  owners?: Record<string, [number, number]>;
  live?: LiveSpec;
}

const BASE_PASSWD =
  'root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\nsyslog:x:104:111::/home/syslog:/usr/sbin/nologin\nalice:x:1000:1000::/home/alice:/bin/bash\n';
const BASE_GROUP =
  'root:x:0:\nadm:x:4:syslog\nshadow:x:42:\nutmp:x:43:\ncrontab:x:106:\nsystemd-journal:x:999:\nsyslog:x:111:\nalice:x:1000:\n';

/** The spec with os-release, passwd/group (unless given) and the dpkg database. */
export function withBase(spec: CisRootSpec): RootSpec {
  const pk = Array.isArray(spec.packages)
    ? Object.fromEntries(spec.packages.map((p) => [p, '1.0-1']))
    : (spec.packages ?? {});
  // base-files is always there: an empty dpkg database is no inventory at all.
  const status = Object.entries({ 'base-files': '12.4+deb12u5', ...pk })
    .map(([n, v]) => stanza(n, v))
    .join('\n\n');
  return {
    ...spec,
    files: {
      '/etc/os-release': OS_RELEASE[spec.os ?? 'debian12'],
      '/etc/passwd': BASE_PASSWD,
      '/etc/group': BASE_GROUP,
      '/var/lib/dpkg/status': `${status}\n`,
      ...spec.files,
    },
    sysctl: { 'kernel.ostype': 'Linux', ...spec.sysctl },
  };
}

export function makeCisRoot(spec: CisRootSpec): string {
  const root = makeRoot(withBase(spec));
  for (const [p, [uid, gid]] of Object.entries(spec.owners ?? {})) chownSync(path.join(root, p), uid, gid);
  return root;
}

/** Telemetry of a root built from the spec (the real agent; `live` as described above). */
export async function cisTelemetry(spec: CisRootSpec): Promise<Telemetry> {
  const root = makeCisRoot(spec);
  const doc = await collectTelemetry({ root, runId: 'run-cis', instanceId: 'i-cis', walk: false });
  if (spec.live) makeLive(doc, spec.live);
  return parseTelemetry(doc);
}

export async function cisFacts(spec: CisRootSpec): Promise<Facts> {
  return new Facts(await cisTelemetry(spec));
}

/** Rewrites a fixture's document as a running host's: root `/` and the systemctl output given. */
export function makeLive(doc: Telemetry, live: LiveSpec): void {
  doc.root = '/';
  const unitFiles = Object.entries(live.unitFiles ?? {})
    .map(([u, s]) => `${u} ${s} enabled`)
    .join('\n');
  const units = Object.entries(live.units ?? {})
    .map(([u, a]) => `${u} loaded ${a} ${a === 'active' ? 'running' : 'dead'} ${u}`)
    .join('\n');
  doc.commands['systemctl-unit-files'] = {
    status: 'ok',
    argv: ['systemctl', 'list-unit-files', '--no-pager', '--no-legend'],
    exitCode: 0,
    stdout: `${unitFiles}\n`,
    stderr: '',
  };
  doc.commands['systemctl-units'] = {
    status: 'ok',
    argv: ['systemctl', 'list-units', '--all', '--no-pager', '--no-legend'],
    exitCode: 0,
    stdout: `${units}\n`,
    stderr: '',
  };
}
