/**
 * Which benchmark applies to a host, from its os-release (ID, VERSION_ID). Rocky Linux and AlmaLinux 8 use
 * the RHEL 8 mapping; Rocky Linux 9 uses AlmaLinux 9's (the closest rebuild of RHEL 9, without Red Hat's
 * subscription and signing-key checks); Amazon Linux 2 uses the mapping derived from RHEL 7's.
 */
import type { OsRelease } from '../../parsers/os-release';
import type { BenchmarkId } from './data';

export type BenchmarkChoice =
  | {
      ok: true;
      benchmark: BenchmarkId;
      /** Set when the host is assessed with another OS's mapping. */
      basis?: string;
    }
  | { ok: false; reason: string };

const major = (v: string | undefined): string => (v ?? '').split('.')[0] ?? '';

export function selectBenchmark(os: OsRelease): BenchmarkChoice {
  const id = (os.ID ?? '').toLowerCase();
  const version = os.VERSION_ID ?? '';
  const label = os.PRETTY_NAME ?? ([os.NAME ?? id, version].filter(Boolean).join(' ') || 'unknown OS');
  const pick = (benchmark: BenchmarkId, basis?: string): BenchmarkChoice =>
    basis ? { ok: true, benchmark, basis } : { ok: true, benchmark };
  switch (id) {
    case 'ubuntu':
      if (version === '22.04') return pick('ubuntu2204');
      if (version === '24.04') return pick('ubuntu2404');
      break;
    case 'debian':
      if (major(version) === '12') return pick('debian12');
      break;
    case 'amzn':
      if (version === '2') return pick('al2', 'derived from the RHEL 7 mapping (no upstream AL2 mapping)');
      if (version === '2023') return pick('al2023');
      break;
    case 'rhel':
      if (major(version) === '8') return pick('rhel8');
      if (major(version) === '9') return pick('rhel9');
      break;
    case 'almalinux':
      if (major(version) === '8') return pick('rhel8', 'RHEL 8 mapping');
      if (major(version) === '9') return pick('almalinux9');
      break;
    case 'rocky':
      if (major(version) === '8') return pick('rhel8', 'RHEL 8 mapping');
      if (major(version) === '9') return pick('almalinux9', 'AlmaLinux 9 mapping');
      break;
  }
  return {
    ok: false,
    reason: `no CIS benchmark for ${label} (ID=${id || '(unset)'}, VERSION_ID=${version || '(unset)'}); supported: Ubuntu 22.04 and 24.04, Debian 12, Amazon Linux 2 and 2023, RHEL, AlmaLinux and Rocky Linux 8 and 9`,
  };
}
