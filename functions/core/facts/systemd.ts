/**
 * systemd units: the unit file state (enabled, disabled, masked, static...) from `systemctl list-unit-files`
 * on a live host, else from the unit directories the agent listed (a link to /dev/null in /etc or /run masks;
 * a link in a `.wants`/`.requires` directory of /etc enables); the active state from `systemctl list-units`
 * on a live host only.
 */
import { parseListUnitFiles, parseListUnits, type UnitLine } from '../../parsers/systemctl';
import { SYSTEMD_UNIT_DIRECTORIES } from '../telemetry/paths';
import { type Fact, type Facts, fact, noFact } from './facts';
import { commandOutput, listing } from './host-config';

/**
 * A unit file's state: systemctl's word (enabled, disabled, static, masked, indirect, generated...) or, from
 * the unit directories, `masked`, `enabled`, `disabled` or `not-found`; `by` names the links that decide it
 * (the /dev/null link of a masked unit, the .wants/.requires links of an enabled one).
 */
export interface UnitFileState {
  state: string;
  by?: string[];
}

export interface UnitFileFact {
  unit: string;
  /** Where the answer came from. */
  source: 'systemctl' | 'unit-directories';
  state: UnitFileState;
  /** The unit file's path, when found in a unit directory. */
  path?: string;
}

export function unitFileStates(facts: Facts): Fact<Map<string, string>> {
  return facts.memo('systemd-unit-files', () => {
    const out = commandOutput(facts, 'systemctl-unit-files');
    if (!out.ok) return out;
    if (out.value.exitCode !== 0 && out.value.stdout.trim() === '')
      return noFact(`${out.value.argv.join(' ')} exited with ${out.value.exitCode} and printed nothing`);
    return fact(new Map(parseListUnitFiles(out.value.stdout).map((l) => [l.unit, l.state])));
  });
}

/** A unit's file state; falls back to the unit directories when systemctl did not answer. */
export function unitFileState(facts: Facts, unit: string): Fact<UnitFileFact> {
  const sc = unitFileStates(facts);
  if (sc.ok) {
    const s = sc.value.get(unit);
    return fact({ unit, source: 'systemctl', state: s ? { state: s } : { state: 'not-found' } });
  }
  return fromDirectories(facts, unit, sc.reason);
}

function fromDirectories(facts: Facts, unit: string, why: string): Fact<UnitFileFact> {
  let path: string | undefined;
  for (const dir of SYSTEMD_UNIT_DIRECTORIES) {
    const l = listing(facts, dir);
    if (!l.ok) return noFact(`${l.reason} (systemctl: ${why})`);
    const e = l.value?.entries.find((x) => x.name === unit);
    if (!e) continue;
    if (
      (dir === '/etc/systemd/system' || dir === '/run/systemd/system') &&
      e.type === 'symlink' &&
      e.target === '/dev/null'
    )
      return fact({ unit, source: 'unit-directories', state: { state: 'masked', by: [`${dir}/${unit}`] } });
    path ??= e.type === 'symlink' && e.target ? e.target : `${dir}/${unit}`;
  }
  if (!path) return fact({ unit, source: 'unit-directories', state: { state: 'not-found' } });
  const wants: string[] = [];
  for (const [dir, rec] of Object.entries(facts.telemetry.listings ?? {})) {
    if (!/^\/etc\/systemd\/system\/[^/]+\.(wants|requires)$/.test(dir) || rec.status !== 'ok') continue;
    if (rec.entries.some((x) => x.name === unit)) wants.push(`${dir}/${unit}`);
  }
  return fact({
    unit,
    source: 'unit-directories',
    state: wants.length > 0 ? { state: 'enabled', by: wants } : { state: 'disabled' },
    path,
  });
}

/** The load/active/sub state of a unit on a live host. */
export function unitActiveState(facts: Facts, unit: string): Fact<UnitLine | undefined> {
  const units = facts.memo('systemd-units', (): Fact<UnitLine[]> => {
    const out = commandOutput(facts, 'systemctl-units');
    if (!out.ok) return out;
    if (out.value.exitCode !== 0 && out.value.stdout.trim() === '')
      return noFact(`${out.value.argv.join(' ')} exited with ${out.value.exitCode} and printed nothing`);
    return fact(parseListUnits(out.value.stdout));
  });
  if (!units.ok) return units;
  return fact(units.value.find((u) => u.unit === unit));
}
