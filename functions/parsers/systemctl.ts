/**
 * `systemctl list-unit-files --no-pager --no-legend` (UNIT STATE [PRESET]) and
 * `systemctl list-units --all --no-pager --no-legend` (UNIT LOAD ACTIVE SUB DESCRIPTION, a leading `●`
 * or `*` marks a failed or not-found unit).
 */
export interface UnitFileLine {
  unit: string;
  state: string;
  preset?: string;
}

export interface UnitLine {
  unit: string;
  load: string;
  active: string;
  sub: string;
  description: string;
}

export function parseListUnitFiles(text: string): UnitFileLine[] {
  const out: UnitFileLine[] = [];
  for (const raw of text.split('\n')) {
    const f = raw.trim().split(/\s+/);
    if (f.length < 2 || !f[0]!.includes('.')) continue;
    out.push({ unit: f[0]!, state: f[1]!, ...(f[2] ? { preset: f[2] } : {}) });
  }
  return out;
}

export function parseListUnits(text: string): UnitLine[] {
  const out: UnitLine[] = [];
  for (const raw of text.split('\n')) {
    const t = raw.replace(/^\s*[●*]\s*/, '').trim();
    const m = /^(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s*(.*)$/.exec(t);
    if (!m || !m[1]!.includes('.')) continue;
    out.push({ unit: m[1]!, load: m[2]!, active: m[3]!, sub: m[4]!, description: m[5]! });
  }
  return out;
}
