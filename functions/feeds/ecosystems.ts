/**
 * Ecosystems: OSV ecosystem strings and os-release identities → one release key, and what each family's
 * data is keyed by and compared with.
 */
import type { Family, ReleaseKey, VersionFormat } from './model';

export interface FamilyInfo {
  /** Human name used in messages and findings. */
  label: string;
  versionFormat: VersionFormat;
  /**
   * What the advisories name. Debian, Ubuntu and Alpine OSV name SOURCE packages (Alpine: the origin).
   * AlmaLinux, Rocky Linux and Red Hat OSV records name BINARY rpms (checked on the real records: ALSA-2023:4520
   * lists python3-requests, whose source rpm is python-requests), and Amazon updateinfo lists binaries by arch.
   */
  keyBy: 'source' | 'binary';
}

export const FAMILY_INFO: Readonly<Record<Family, FamilyInfo>> = {
  debian: { label: 'Debian', versionFormat: 'dpkg', keyBy: 'source' },
  ubuntu: { label: 'Ubuntu', versionFormat: 'dpkg', keyBy: 'source' },
  alpine: { label: 'Alpine', versionFormat: 'apk', keyBy: 'source' },
  almalinux: { label: 'AlmaLinux', versionFormat: 'rpm', keyBy: 'binary' },
  rocky: { label: 'Rocky Linux', versionFormat: 'rpm', keyBy: 'binary' },
  redhat: { label: 'Red Hat Enterprise Linux', versionFormat: 'rpm', keyBy: 'binary' },
  amazon: { label: 'Amazon Linux', versionFormat: 'rpm', keyBy: 'binary' },
};

/**
 * An OSV `affected[].package.ecosystem` → release key, or undefined for ecosystems the package does not
 * cover (PyPI, npm...) or streams that must not be applied to a plain install (Red Hat EUS/AUS).
 * Ubuntu Pro ecosystems get their own release (`pro-16.04`) so they never mix with the public archive.
 */
export function parseOsvEcosystem(ecosystem: string): ReleaseKey | undefined {
  const parts = ecosystem.split(':');
  const head = parts[0];
  const rest = parts.slice(1);
  switch (head) {
    case 'Debian':
      return rest.length === 1 && /^\d+$/.test(rest[0]!)
        ? { family: 'debian', release: rest[0]! }
        : undefined;
    case 'Ubuntu': {
      const segs = rest.filter((s) => s !== 'LTS');
      const version = segs.at(-1);
      if (!version || !/^\d+\.\d+$/.test(version)) return undefined;
      const prefix = segs
        .slice(0, -1)
        .map((s) => s.toLowerCase())
        .join('-');
      return { family: 'ubuntu', release: prefix ? `${prefix}-${version}` : version };
    }
    case 'Alpine': {
      const m = /^v(\d+\.\d+)$/.exec(rest[0] ?? '');
      return m && rest.length === 1 ? { family: 'alpine', release: `v${m[1]}` } : undefined;
    }
    case 'AlmaLinux':
      return rest.length === 1 && /^\d+$/.test(rest[0]!)
        ? { family: 'almalinux', release: rest[0]! }
        : undefined;
    case 'Rocky Linux':
      return rest.length === 1 && /^\d+$/.test(rest[0]!) ? { family: 'rocky', release: rest[0]! } : undefined;
    case 'Red Hat': {
      // "Red Hat:enterprise_linux:9::appstream" (main stream only).
      if (rest[0] !== 'enterprise_linux') return undefined;
      const m = /^(\d+)/.exec(rest[1] ?? '');
      return m ? { family: 'redhat', release: m[1]! } : undefined;
    }
    case 'Amazon Linux': {
      const r = rest[0];
      return r === '1' || r === '2' || r === '2022' || r === '2023'
        ? { family: 'amazon', release: r }
        : undefined;
    }
    default:
      return undefined;
  }
}

/** The release key for an os-release identity, or why the distribution is not supported. */
export function releaseKeyForDistro(distro: {
  id: string;
  versionId: string;
}): { ok: true; key: ReleaseKey } | { ok: false; reason: string } {
  const id = distro.id.toLowerCase();
  const v = distro.versionId.trim();
  const major = /^(\d+)/.exec(v)?.[1];
  const bad = (why: string) => ({ ok: false as const, reason: why });
  switch (id) {
    case 'debian':
      return major
        ? { ok: true, key: { family: 'debian', release: major } }
        : bad(
            `Debian without a numeric VERSION_ID (${v || 'none'}: testing or unstable) has no release feed`,
          );
    case 'ubuntu': {
      const m = /^(\d+\.\d+)/.exec(v);
      return m
        ? { ok: true, key: { family: 'ubuntu', release: m[1]! } }
        : bad(`Ubuntu VERSION_ID ${v} not understood`);
    }
    case 'alpine': {
      const m = /^(\d+\.\d+)/.exec(v);
      return m
        ? { ok: true, key: { family: 'alpine', release: `v${m[1]}` } }
        : bad(`Alpine VERSION_ID ${v || 'none'} (edge?) has no release feed`);
    }
    case 'almalinux':
      return major
        ? { ok: true, key: { family: 'almalinux', release: major } }
        : bad(`AlmaLinux VERSION_ID ${v}`);
    case 'rocky':
      return major
        ? { ok: true, key: { family: 'rocky', release: major } }
        : bad(`Rocky Linux VERSION_ID ${v}`);
    case 'rhel':
      return major ? { ok: true, key: { family: 'redhat', release: major } } : bad(`RHEL VERSION_ID ${v}`);
    case 'amzn':
      return v === '1' || v === '2' || v === '2022' || v === '2023' || /^20\d\d\.\d\d$/.test(v)
        ? { ok: true, key: { family: 'amazon', release: /^20\d\d\.\d\d$/.test(v) ? '1' : v } }
        : bad(`Amazon Linux VERSION_ID ${v} not understood`);
    default:
      return bad(
        `the CVE package has no vulnerability feed for ${distro.id} ${v} (supported: Debian, Ubuntu, Alpine, AlmaLinux, Rocky Linux, RHEL, Amazon Linux)`,
      );
  }
}

/**
 * The dist tag of an RHEL-family module build: `.module+el9.4.0+20787+4c237fd3` (RHEL, Rocky),
 * `.module_el8.8.0+3609+204d4ab0` (AlmaLinux). Packages of no module never carry it.
 */
export const MODULE_RELEASE = /\.module[+_]el\d/;

/** Family label + release, for messages: "Debian 12", "Amazon Linux 2023". */
export function releaseLabel(k: ReleaseKey): string {
  return `${FAMILY_INFO[k.family].label} ${k.release}`;
}
