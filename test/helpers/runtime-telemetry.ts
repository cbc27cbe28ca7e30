/**
 * Telemetry documents with a `runtime` section for the runtime-behavior-analysis tests, built through the
 * real schema (parseTelemetry): a builder adds objects, processes, sockets and directories, assigns their
 * indexes, and `build()` validates the whole document as the evaluator would.
 */
import { evaluateTelemetry } from '../../functions/core/evaluate';
import type { RuleResult } from '../../functions/core/model';
import type { RuleParameters } from '../../functions/core/rule';
import {
  type ElfRecordTelemetry,
  parseTelemetry,
  type RuntimeTelemetry,
  type Telemetry,
} from '../../functions/core/telemetry/schema';
import { runtimeBehaviorAnalysisPackage } from '../../functions/rules/runtime-behavior-analysis';

type Obj = RuntimeTelemetry['objects'][number];
type Proc = RuntimeTelemetry['processes'][number];
type Listener = RuntimeTelemetry['listeners'][number];
type Connection = RuntimeTelemetry['connections'][number];
type Directory = NonNullable<RuntimeTelemetry['directories']>[number];
type ElfOk = Extract<ElfRecordTelemetry, { ok: true }>;

export const T0 = Date.parse('2026-11-30T10:00:00.000Z');
export const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();

/** ELF facts of a hardened x86-64 PIE / shared object: NX stack, __stack_chk_fail referenced. */
export function elfFacts(over: Partial<ElfOk> = {}, path = '/usr/bin/app'): ElfOk {
  return {
    ok: true,
    resolvedPath: path,
    file: { size: 100_000, mode: 0o100755, uid: 0, gid: 0 },
    bytesRead: 8192,
    elfClass: 64,
    endian: 'little',
    machine: 62,
    machineName: 'x86-64',
    osAbi: 0,
    type: 'ET_DYN',
    typeValue: 3,
    interp: true,
    interpreter: '/lib64/ld-linux-x86-64.so.2',
    phdr: true,
    gnuStack: { present: true, flags: 6, executable: false },
    gnuRelro: true,
    staticallyLinked: false,
    dynamic: {
      bindNowTag: false,
      flagsBindNow: true,
      flags1Now: true,
      bindNow: true,
      flags1Pie: true,
      debug: true,
      textrel: false,
      needed: ['libc.so.6'],
    },
    symbols: {
      source: 'section-headers',
      count: 120,
      stackChkFail: 'referenced',
      stackChkGuard: 'absent',
      fortifiedReferencedCount: 2,
      fortifiedReferenced: ['__printf_chk', '__memcpy_chk'],
      fortifiedDefinedCount: 0,
    },
    ...over,
  };
}

export interface ObjectSpec {
  elf?: ElfRecordTelemetry | Partial<ElfOk>;
  stat?: { mode: number; uid?: number; gid?: number } | null;
  package?: Obj['package'];
  deleted?: boolean;
}

export interface ProcessSpec {
  pid: number;
  comm: string;
  uid?: number;
  euid?: number;
  /** Path of the executable: an object is added for it unless `exeObject` is false. */
  exe?: string;
  exeObject?: number | false;
  maps?: number[];
  script?: string;
  scriptObject?: number;
}

export class RuntimeBuilder {
  readonly objects: Obj[] = [];
  readonly processes: Proc[] = [];
  readonly listeners: Listener[] = [];
  readonly connections: Connection[] = [];
  directories: Directory[] | undefined = undefined;
  packageOwners: RuntimeTelemetry['packageOwners'] = { status: 'ok', managers: ['dpkg'] };
  windowSeconds = 3600;
  intervalSeconds = 60;
  truncated = false;
  dropped: Partial<RuntimeTelemetry['dropped']> = {};
  proc: RuntimeTelemetry['proc'] = { status: 'ok' };

  /** Adds an object (index returned); the same path twice returns the first one. */
  object(path: string, spec: ObjectSpec = {}): number {
    const found = this.objects.findIndex((o) => o.path === path);
    if (found >= 0 && Object.keys(spec).length === 0) return found;
    const elf: ElfRecordTelemetry =
      spec.elf && 'ok' in spec.elf && spec.elf.ok === false
        ? spec.elf
        : elfFacts(spec.elf as Partial<ElfOk> | undefined, path);
    const stat =
      spec.stat === null
        ? undefined
        : {
            mode: spec.stat?.mode ?? 0o100755,
            uid: spec.stat?.uid ?? 0,
            gid: spec.stat?.gid ?? 0,
            size: 100_000,
            inode: 1000 + this.objects.length,
            mtimeMs: T0 - 86_400_000,
          };
    this.objects.push({
      path,
      ...(spec.deleted ? { deleted: true } : {}),
      ...(stat ? { stat } : {}),
      elf,
      ...(spec.package ? { package: spec.package } : {}),
    });
    return this.objects.length - 1;
  }

  /** Adds a process (index returned), seen over the whole window. */
  process(spec: ProcessSpec): number {
    const exeObject =
      spec.exeObject === false
        ? undefined
        : (spec.exeObject ?? (spec.exe ? this.object(spec.exe) : undefined));
    this.processes.push({
      pid: spec.pid,
      startTime: 1000 + spec.pid,
      ppid: 1,
      uid: spec.uid ?? 0,
      euid: spec.euid ?? spec.uid ?? 0,
      comm: spec.comm,
      args: [spec.exe ?? spec.comm],
      ...(spec.exe ? { exe: spec.exe } : {}),
      ...(exeObject !== undefined ? { exeObject } : {}),
      maps: [...new Set([...(exeObject !== undefined ? [exeObject] : []), ...(spec.maps ?? [])])],
      ...(spec.script ? { script: spec.script } : {}),
      ...(spec.scriptObject !== undefined ? { scriptObject: spec.scriptObject } : {}),
      firstSeen: at(0),
      lastSeen: at(this.windowSeconds),
      samples: this.samples(),
    });
    return this.processes.length - 1;
  }

  listener(l: Partial<Listener> & Pick<Listener, 'protocol' | 'address' | 'port'>): this {
    this.listeners.push({
      processes: [],
      accepted: 0,
      firstSeen: at(0),
      lastSeen: at(this.windowSeconds),
      samples: this.samples(),
      ...l,
    });
    return this;
  }

  connection(c: Partial<Connection> & Pick<Connection, 'protocol' | 'remoteAddress' | 'remotePort'>): this {
    this.connections.push({
      connections: 1,
      firstSeen: at(60),
      lastSeen: at(120),
      samples: 2,
      ...c,
    });
    return this;
  }

  /** Records a directory (replacing an earlier record of the same path). */
  dir(path: string, mode: number, uid = 0, gid = 0): this {
    this.directories = [...(this.directories ?? []).filter((d) => d.path !== path), { path, mode, uid, gid }];
    return this;
  }

  /** Records every ancestor of every object path as root-owned 0755 (what a clean host looks like). */
  rootOwnedDirectories(): this {
    for (const o of this.objects) {
      let p = o.path;
      for (;;) {
        const i = p.lastIndexOf('/');
        p = i <= 0 ? '/' : p.slice(0, i);
        if (!this.directories?.some((d) => d.path === p)) this.dir(p, 0o40755);
        if (p === '/') break;
      }
    }
    return this;
  }

  samples(): number {
    return Math.floor(this.windowSeconds / this.intervalSeconds) + 1;
  }

  runtime(): RuntimeTelemetry {
    const samples = this.samples();
    return {
      proc: this.proc,
      sampling: {
        samples,
        intervalSeconds: this.intervalSeconds,
        firstAt: at(0),
        lastAt: at(this.windowSeconds),
      },
      kernelThreads: { recorded: 'skipped', maxPerSample: 40 },
      processes: this.processes,
      objects: this.objects,
      listeners: this.listeners,
      connections: this.connections,
      ...(this.directories ? { directories: this.directories } : {}),
      ...(this.packageOwners ? { packageOwners: this.packageOwners } : {}),
      elfBytesRead: 8192 * this.objects.length,
      truncated: this.truncated,
      dropped: {
        processSightings: 0,
        maps: 0,
        objects: 0,
        longPaths: 0,
        args: 0,
        listeners: 0,
        listenerProcesses: 0,
        connections: 0,
        sockets: 0,
        fds: 0,
        sampleProcessLists: 0,
        ...this.dropped,
      },
      unreadable: 0,
    };
  }

  /** The whole document, validated by the real schema. */
  build(over: Partial<Telemetry> & { runtime?: RuntimeTelemetry | null } = {}): Telemetry {
    return telemetryDocument({ runtime: this.runtime(), ...over });
  }
}

/** A minimal valid document (no runtime section unless given; `runtime: null` leaves it out). */
export function telemetryDocument(
  over: Partial<Telemetry> & { runtime?: RuntimeTelemetry | null } = {},
): Telemetry {
  const { runtime, ...rest } = over;
  return parseTelemetry({
    schemaVersion: 1,
    agent: { name: 'inspector-agent', version: '0.1.0' },
    runId: 'run-rba',
    instanceId: 'i-rba',
    root: '/',
    collection: { startedAt: at(0), finishedAt: at(3600), durationSeconds: 3600 },
    host: { kernelName: 'Linux', kernelNameSource: 'proc', arch: 'x86_64', archSource: 'proc' },
    files: {},
    paths: {},
    commands: {},
    kernelParameters: { status: 'ok', values: {}, unreadable: {} },
    samples: [],
    warnings: [],
    ...(runtime ? { runtime } : {}),
    ...rest,
  });
}

export type RbaResult = RuleResult & { recommendation?: string };

/** Every rule of the package on `telemetry`, by rule id (FAIL results carry their finding's recommendation). */
export async function evaluateRba(
  telemetry: Telemetry,
  parameters?: Record<string, RuleParameters>,
): Promise<Map<string, RbaResult>> {
  const ev = await evaluateTelemetry(telemetry, [runtimeBehaviorAnalysisPackage], {
    runId: 'run-rba',
    createdAt: '2026-11-30T11:00:00.000Z',
    ...(parameters ? { context: { parameters } } : {}),
  });
  const out = new Map<string, RbaResult>();
  for (const r of ev.results) {
    const f = ev.findings.find((x) => x.ruleId === r.ruleId);
    out.set(r.ruleId, f ? { ...r, recommendation: f.recommendation } : r);
  }
  return out;
}

/** One rule's result. */
export async function rbaResult(
  ruleId: string,
  telemetry: Telemetry,
  parameters?: Record<string, RuleParameters>,
): Promise<RbaResult> {
  const r = (await evaluateRba(telemetry, parameters)).get(ruleId);
  if (!r) throw new Error(`no result for ${ruleId}`);
  return r;
}
