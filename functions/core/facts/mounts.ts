/**
 * Mounts: what /etc/fstab and systemd mount units configure, and what is mounted now (/proc/self/mounts,
 * live hosts only). A mount point is configured by fstab or by a `.mount` unit named after it
 * (systemd-escape), the unit in the highest-precedence directory winning.
 */
import {
  type MountLine,
  mountUnitName,
  parseFstab,
  parseMountUnit,
  parseProcMounts,
} from '../../parsers/fstab';
import { SYSTEMD_UNIT_DIRECTORIES } from '../telemetry/paths';
import { type Fact, type Facts, fact, noFact } from './facts';
import { isLiveHost, notLiveHost, optionalText } from './host-config';

export const FSTAB_PATH = '/etc/fstab';
export const PROC_MOUNTS_PATH = '/proc/self/mounts';

export function fstabEntries(facts: Facts): Fact<MountLine[]> {
  return facts.memo('mounts-fstab', () => {
    const t = optionalText(facts, FSTAB_PATH);
    if (!t.ok) return t;
    return fact(t.value ? parseFstab(t.value.text).entries : []);
  });
}

/** What is mounted now; "could not be established" on a root that is not a running system. */
export function liveMounts(facts: Facts): Fact<MountLine[]> {
  return facts.memo('mounts-live', () => {
    const rec = facts.file(PROC_MOUNTS_PATH);
    if (!rec) return noFact(`${PROC_MOUNTS_PATH} was not collected by the agent`);
    if (rec.status === 'missing' && rec.reason === 'not-live-host') return noFact(notLiveHost(rec.detail));
    const t = facts.text(PROC_MOUNTS_PATH);
    if (!t.ok) return noFact(isLiveHost(facts) ? t.reason : notLiveHost(t.reason));
    return fact(parseProcMounts(t.value.text).entries);
  });
}

export interface ConfiguredMount {
  source: 'fstab' | 'mount-unit';
  /** The file that configures it (fstab or the unit path) and the line (fstab). */
  path: string;
  line?: number;
  spec?: string;
  fsType?: string;
  options: string[];
}

/** How a mount point is configured to be mounted: fstab first (systemd-fstab-generator), else a mount unit. */
export function configuredMount(facts: Facts, mountPoint: string): Fact<ConfiguredMount | undefined> {
  const fstab = fstabEntries(facts);
  if (!fstab.ok) return fstab;
  const inFstab = fstab.value.filter((e) => e.mountPoint === mountPoint).at(-1);
  if (inFstab)
    return fact({
      source: 'fstab',
      path: FSTAB_PATH,
      line: inFstab.line,
      spec: inFstab.spec,
      fsType: inFstab.fsType,
      options: inFstab.options,
    });
  const unit = mountUnitName(mountPoint);
  for (const dir of SYSTEMD_UNIT_DIRECTORIES) {
    const p = `${dir}/${unit}`;
    const rec = facts.file(p);
    if (!rec) continue;
    if (rec.status === 'missing') {
      if (rec.reason === 'not-found') continue;
      if (rec.reason === 'not-a-file') return fact(undefined); // masked (linked to /dev/null)
      return noFact(`${p}: ${rec.reason} (${rec.detail})`);
    }
    const t = facts.text(p);
    if (!t.ok) return t;
    const m = parseMountUnit(t.value.text);
    return fact({
      source: 'mount-unit',
      path: p,
      ...(m.what ? { spec: m.what } : {}),
      ...(m.type ? { fsType: m.type } : {}),
      options: m.options,
    });
  }
  // Mount units are only read when the unit directories' listings name them: without a listing, unknown.
  const listed = SYSTEMD_UNIT_DIRECTORIES.some((d) => facts.telemetry.listings?.[d] !== undefined);
  if (!listed) return noFact(`systemd unit directories were not listed by the agent (looking for ${unit})`);
  return fact(undefined);
}

/** The mount at a point now (the last mounted over it), undefined when nothing is mounted there. */
export function liveMount(facts: Facts, mountPoint: string): Fact<MountLine | undefined> {
  const m = liveMounts(facts);
  if (!m.ok) return m;
  return fact(m.value.filter((e) => e.mountPoint === mountPoint).at(-1));
}
