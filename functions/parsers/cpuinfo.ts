/**
 * /proc/cpuinfo: blocks separated by blank lines, `name<tabs>: value` lines. x86 kernels list CPU features
 * in `flags`, ARM kernels in `Features`. A block that names a processor (or lists features) is a
 * processor; other blocks (ARM's trailing Hardware/Revision/Serial) are machine-wide fields.
 */
export interface CpuinfoProcessor {
  /** The `processor` number, when given. */
  index?: number;
  fields: Record<string, string>;
  /** Words of `flags` (x86) or `Features` (ARM). */
  flags: string[];
  /** Which field held them (`flags` or `Features`), and its 1-based line. */
  flagsField?: string;
  flagsLine?: number;
}

export interface Cpuinfo {
  processors: CpuinfoProcessor[];
  machine: Record<string, string>;
}

const FLAG_FIELDS = ['flags', 'Features'];

export function parseCpuinfo(text: string): Cpuinfo {
  const processors: CpuinfoProcessor[] = [];
  const machine: Record<string, string> = {};
  let block: CpuinfoProcessor = { fields: {}, flags: [] };
  const flush = () => {
    const f = block.fields;
    if (f.processor !== undefined || block.flagsField !== undefined) {
      const n = Number.parseInt(f.processor ?? '', 10);
      if (Number.isFinite(n)) block.index = n;
      processors.push(block);
    } else Object.assign(machine, f);
    block = { fields: {}, flags: [] };
  };
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    if (line.trim() === '') {
      if (Object.keys(block.fields).length > 0) flush();
      continue;
    }
    const colon = line.indexOf(':');
    if (colon === -1) continue;
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    block.fields[name] = value;
    if (FLAG_FIELDS.includes(name)) {
      block.flags = value.split(/\s+/).filter(Boolean);
      block.flagsField = name;
      block.flagsLine = i + 1;
    }
  }
  if (Object.keys(block.fields).length > 0) flush();
  return { processors, machine };
}
