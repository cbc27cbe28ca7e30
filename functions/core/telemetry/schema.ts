/**
 * The telemetry contract: the one document the agent writes and the evaluator reads.
 *
 * The agent records raw material (file contents, command output, stat results, kernel parameters) and
 * leaves all interpretation to functions/parsers. Every item says whether it was collected and, when not,
 * why. The document is untrusted input at every boundary: validate it with `parseTelemetry`.
 *
 * This folder (functions/core/telemetry) is the only part of functions/ the agent may import.
 */
import * as z from 'zod';

export const TELEMETRY_SCHEMA_VERSION = 1 as const;

/** Hard limits: a document outside them is rejected, never truncated silently. */
export const LIMITS = {
  /** Largest serialized document accepted (bytes of JSON). */
  maxDocumentBytes: 64 * 1024 * 1024,
  /** Largest single file the agent records in full (package databases can be several MB). */
  maxFileBytes: 32 * 1024 * 1024,
  /** Largest configuration file the agent records (sshd, PAM, login.defs...). */
  maxConfigFileBytes: 1024 * 1024,
  /** Largest command output recorded. */
  maxCommandOutputBytes: 32 * 1024 * 1024,
  maxFiles: 5_000,
  maxKernelParameters: 20_000,
  maxSamples: 10_000,
  maxProcessesPerSample: 20_000,
} as const;

// Paths the agent reads and the evaluator judges, and fileText: a module without zod (paths.ts), for code
// that needs only these (the rules registry's side bundle carries no zod).
export { fileText, SYSTEM_DIRECTORIES, SYSTEMD_UNIT_DIRECTORIES } from './paths';

const isoTime = z.string().datetime({ offset: true });
const absPath = z
  .string()
  .min(1)
  .max(4096)
  .refine((p) => p.startsWith('/'), 'must be an absolute path');
/** Identifiers that end up in storage keys: no path separators, no control characters. */
export const idSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'must be letters, digits, ".", "_", ":" or "-"');

/** Why an item could not be collected. */
export const missingReason = z.enum([
  'not-found',
  'permission-denied',
  'not-a-file',
  'too-large',
  'error',
  /** Live-host-only material (commands, /proc/modules, unit state) asked of a root that is not `/`. */
  'not-live-host',
]);
export type MissingReason = z.infer<typeof missingReason>;

const notCollected = z.object({
  status: z.literal('missing'),
  reason: missingReason,
  detail: z.string().max(2048),
});

export const fileRecordSchema = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('ok'),
    /** utf8 text, or base64 when the file is not valid UTF-8. */
    encoding: z.enum(['utf8', 'base64']),
    content: z.string(),
    size: z.number().int().nonnegative(),
    mode: z.number().int().nonnegative(),
    uid: z.number().int().nonnegative(),
    gid: z.number().int().nonnegative(),
    /** Where a symlink led, relative to the collection root, when the path was a link. */
    resolvedPath: absPath.optional(),
  }),
  notCollected,
]);
export type FileRecord = z.infer<typeof fileRecordSchema>;

export const pathStatSchema = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('ok'),
    type: z.enum(['file', 'directory', 'symlink', 'other']),
    mode: z.number().int().nonnegative(),
    uid: z.number().int().nonnegative(),
    gid: z.number().int().nonnegative(),
    /** Set when the path itself is a symlink: the link text and what it resolved to under the root. */
    linkTarget: z.string().max(4096).optional(),
    resolvedPath: absPath.optional(),
  }),
  notCollected,
]);
export type PathStat = z.infer<typeof pathStatSchema>;

export const commandRecordSchema = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('ok'),
    argv: z.array(z.string()).min(1),
    exitCode: z.number().int(),
    stdout: z.string(),
    stderr: z.string().max(64 * 1024),
  }),
  notCollected.extend({ argv: z.array(z.string()).min(1) }),
]);
export type CommandRecord = z.infer<typeof commandRecordSchema>;

/** A snapshot taken during the sampling window; later packages add optional fields here. */
export const sampleSchema = z.object({
  at: isoTime,
  processes: z
    .array(
      z.object({
        pid: z.number().int().positive(),
        ppid: z.number().int().nonnegative(),
        uid: z.number().int().nonnegative(),
        comm: z.string().max(256),
        exe: z.string().max(4096).optional(),
      }),
    )
    .max(LIMITS.maxProcessesPerSample)
    .optional(),
});
export type Sample = z.infer<typeof sampleSchema>;

/**
 * Caps of the optional `runtime` section (runtime behaviour sampling, issue 9). The agent keeps to them
 * while it aggregates (and says what it dropped); the schema refuses a document beyond them. A host with
 * 1,000 processes and 5,000 sockets gives ~1.5 MiB (bench/agent-runtime.ts); with every cap full of
 * maximal strings the section and the samples' process lists reach about 30 MB of JSON (objects ~13 MB,
 * processes ~12 MB, process lists 2 MiB, listeners and connections ~1.5 MB; more only for strings JSON must
 * escape), under LIMITS.maxDocumentBytes.
 */
export const RUNTIME_LIMITS = {
  /** Distinct processes (pid + start time) recorded over the run. */
  maxProcesses: 2048,
  maxArgs: 32,
  maxArgChars: 256,
  /** Mapped executable files recorded per process. */
  maxMapsPerProcess: 256,
  /** Distinct executables and mapped files (with their ELF facts) per run. */
  maxObjects: 1024,
  /** Paths longer than this are not recorded (counted in dropped.longPaths). */
  maxPathChars: 1024,
  maxListeners: 1024,
  maxProcessesPerListener: 16,
  /** Distinct outbound connections (protocol, process, remote address and port). */
  maxConnections: 4096,
  /** Names kept per ELF list (DT_NEEDED, fortified functions) and their length. */
  maxElfNames: 32,
  maxElfNameChars: 128,
  maxElfStringChars: 512,
  /** Agent side: sockets read per /proc/net table per sample, fds read per process per sample. */
  maxSocketsPerTable: 65_536,
  maxFdsPerProcess: 4096,
  /** Agent side: bytes read for ELF facts over the whole run (16 MiB at most per file). */
  maxElfBytesPerRun: 256 * 1024 * 1024,
  /** Agent side: bytes of the per-sample process lists (`samples[].processes`) over the run. */
  maxSampleProcessBytes: 2 * 1024 * 1024,
  /** Directories holding an object or a script (every ancestor up to `/`), with owner and mode. */
  maxDirectories: 2048,
  /** Package name and version lengths of an object's owning package. */
  maxPackageChars: 256,
} as const;

const count = z.number().int().nonnegative();
const runtimePath = z
  .string()
  .min(1)
  .max(RUNTIME_LIMITS.maxPathChars)
  .refine((p) => p.startsWith('/'), 'must be an absolute path');
const elfName = z.string().max(RUNTIME_LIMITS.maxElfNameChars);
const elfString = z.string().max(RUNTIME_LIMITS.maxElfStringChars);

/** ELF facts of one file (agent/elf.ts), lists cut to RUNTIME_LIMITS; judgement is the rules'. */
export const elfRecordSchema = z.discriminatedUnion('ok', [
  z.object({
    ok: z.literal(true),
    resolvedPath: z.string().max(RUNTIME_LIMITS.maxPathChars),
    file: z.object({ size: count, mode: count, uid: count, gid: count }),
    bytesRead: count,
    elfClass: z.union([z.literal(32), z.literal(64)]),
    endian: z.enum(['little', 'big']),
    machine: count,
    machineName: z.string().max(64),
    osAbi: count,
    type: z.enum(['ET_NONE', 'ET_REL', 'ET_EXEC', 'ET_DYN', 'ET_CORE', 'other']),
    typeValue: count,
    interp: z.boolean(),
    interpreter: elfString.optional(),
    phdr: z.boolean(),
    gnuStack: z.discriminatedUnion('present', [
      z.object({ present: z.literal(false) }),
      z.object({ present: z.literal(true), flags: count, executable: z.boolean() }),
    ]),
    gnuRelro: z.boolean(),
    staticallyLinked: z.boolean(),
    dynamic: z
      .object({
        bindNowTag: z.boolean(),
        flagsBindNow: z.boolean(),
        flags1Now: z.boolean(),
        bindNow: z.boolean(),
        flags: count.optional(),
        flags1: count.optional(),
        flags1Pie: z.boolean(),
        debug: z.boolean(),
        textrel: z.boolean(),
        rpath: elfString.optional(),
        runpath: elfString.optional(),
        soname: elfString.optional(),
        needed: z.array(elfName).max(RUNTIME_LIMITS.maxElfNames),
        neededCount: count.optional(),
      })
      .optional(),
    symbols: z.object({
      source: z.enum(['section-headers', 'dt-hash', 'dt-gnu-hash', 'none']),
      count,
      stackChkFail: z.enum(['referenced', 'defined', 'absent']),
      stackChkGuard: z.enum(['referenced', 'defined', 'absent']),
      fortifiedReferencedCount: count,
      fortifiedReferenced: z.array(elfName).max(RUNTIME_LIMITS.maxElfNames),
      fortifiedDefinedCount: count,
      unread: elfString.optional(),
    }),
  }),
  z.object({
    ok: z.literal(false),
    reason: z.enum([
      'not-found',
      'permission-denied',
      'not-a-file',
      'not-elf',
      'unsupported',
      'truncated',
      'malformed',
      'too-large',
      'error',
    ]),
    detail: elfString,
    bytesRead: count,
  }),
]);
export type ElfRecordTelemetry = z.infer<typeof elfRecordSchema>;

const socketProtocol = z.enum(['tcp', 'tcp6', 'udp', 'udp6']);
const ipAddress = z.string().max(64);
const port = z.number().int().min(0).max(65_535);
const seen = { firstSeen: isoTime, lastSeen: isoTime, samples: count };

/** An executable or mapped file seen running: owner, mode and ELF facts, once per path + inode + mtime. */
export const runtimeObjectSchema = z.object({
  path: runtimePath,
  /** The file had been deleted or replaced when it was seen mapped (its facts are of what is there now). */
  deleted: z.boolean().optional(),
  stat: z
    .object({ mode: count, uid: count, gid: count, size: count, inode: count, mtimeMs: z.number() })
    .optional(),
  elf: elfRecordSchema,
  /** The package that installed this path, where the package database says so (absent: no package owns it,
   * or ownership was not looked up: see `runtime.packageOwners`). */
  package: z
    .object({
      manager: z.enum(['dpkg', 'rpm', 'apk']),
      name: z.string().min(1).max(RUNTIME_LIMITS.maxPackageChars),
      version: z.string().max(RUNTIME_LIMITS.maxPackageChars).optional(),
    })
    .optional(),
});

/** A directory on the path of an object or script: who may replace what it holds. */
export const runtimeDirectorySchema = z.object({
  path: runtimePath,
  mode: count,
  uid: count,
  gid: count,
});

/**
 * One process (identity: pid + start time): ppid, uids, comm, args and exe as read when first seen (again
 * after an exec); maps are the union over the samples.
 */
export const runtimeProcessSchema = z.object({
  pid: z.number().int().positive(),
  /** Clock ticks after boot (/proc/PID/stat field 22). */
  startTime: count,
  ppid: count,
  uid: count,
  euid: count,
  comm: z.string().max(64),
  /** /proc/PID/attr/current: the label its security module gives it (SELinux `user:role:type:level`, an
   * AppArmor profile); absent when there is none or it could not be read. */
  securityLabel: z.string().max(256).optional(),
  /** Arguments with secrets masked (`***`), cut to RUNTIME_LIMITS. */
  args: z.array(z.string().max(RUNTIME_LIMITS.maxArgChars)).max(RUNTIME_LIMITS.maxArgs),
  argsTruncated: z.boolean().optional(),
  exe: runtimePath.optional(),
  exeDeleted: z.boolean().optional(),
  /** Index into `objects` of the executable. */
  exeObject: count.optional(),
  /** Indexes into `objects` of the executable mappings. */
  maps: z.array(count).max(RUNTIME_LIMITS.maxMapsPerProcess),
  /** When the executable is an interpreter (sh, python, perl, ruby, node, php, java -jar...): the script or
   * archive it runs, as given in the arguments, resolved against the process's working directory. */
  script: runtimePath.optional(),
  /** Index into `objects` of the script under the path the kernel resolves (links followed, as /proc/PID/exe
   * names executables; `script` keeps the name given): its ELF record says not-elf; stat and package count. */
  scriptObject: count.optional(),
  ...seen,
});

/** A listening TCP socket or a bound, unconnected UDP socket. */
export const runtimeListenerSchema = z.object({
  protocol: socketProtocol,
  address: ipAddress,
  port,
  /** Indexes into `processes` of the processes holding it. */
  processes: z.array(count).max(RUNTIME_LIMITS.maxProcessesPerListener),
  /** TCP: connections seen on its port (established or closing sockets), each counted once. */
  accepted: count,
  ...seen,
});

/** Connections made from this host (the local port is no listener's): per process and remote endpoint. */
export const runtimeConnectionSchema = z.object({
  protocol: socketProtocol,
  /** Index into `processes`; absent when no recorded process held the socket. */
  process: count.optional(),
  remoteAddress: ipAddress,
  remotePort: port,
  /** Distinct sockets seen (a socket open across consecutive samples counts once). */
  connections: count,
  ...seen,
});

export const runtimeSchema = z.object({
  /** Whether /proc (under the root) could be read; sampling recorded nothing when not. */
  proc: z.discriminatedUnion('status', [z.object({ status: z.literal('ok') }), notCollected]),
  sampling: z.object({
    samples: count,
    intervalSeconds: z.number().nonnegative(),
    firstAt: isoTime.optional(),
    lastAt: isoTime.optional(),
  }),
  /** Kernel threads (PF_KTHREAD, or kthreadd's children without a command line) are skipped, only counted. */
  kernelThreads: z.object({ recorded: z.literal('skipped'), maxPerSample: count }),
  processes: z.array(runtimeProcessSchema).max(RUNTIME_LIMITS.maxProcesses),
  objects: z.array(runtimeObjectSchema).max(RUNTIME_LIMITS.maxObjects),
  listeners: z.array(runtimeListenerSchema).max(RUNTIME_LIMITS.maxListeners),
  connections: z.array(runtimeConnectionSchema).max(RUNTIME_LIMITS.maxConnections),
  /** Ancestors of every object and script path (absent from agents before directory recording). */
  directories: z.array(runtimeDirectorySchema).max(RUNTIME_LIMITS.maxDirectories).optional(),
  /** Whether objects' owning packages were looked up (absent from agents before package lookup). */
  packageOwners: z
    .discriminatedUnion('status', [
      z.object({ status: z.literal('ok'), managers: z.array(z.enum(['dpkg', 'rpm', 'apk'])).max(3) }),
      notCollected,
    ])
    .optional(),
  elfBytesRead: count,
  /** True when any cap below dropped something. */
  truncated: z.boolean(),
  /**
   * What the caps dropped. Processes, listeners, listener holders, connections, sockets and fds are counted
   * per sample in which they were seen (sightings); maps per path and process (sightings past twice the
   * cap); args per process; objects per reference not recorded.
   */
  dropped: z.object({
    processSightings: count,
    maps: count,
    objects: count,
    longPaths: count,
    args: count,
    listeners: count,
    listenerProcesses: count,
    connections: count,
    /** Lines of /proc/net tables and fds over the per-sample caps. */
    sockets: count,
    fds: count,
    /** Samples recorded without their process list (maxSampleProcessBytes spent). */
    sampleProcessLists: count,
    /** Directories not recorded (maxDirectories reached). */
    directories: count.optional(),
  }),
  /** Files that vanished or could not be parsed while sampling (processes that ended mid-sample). */
  unreadable: count,
});
export type RuntimeTelemetry = z.infer<typeof runtimeSchema>;

function checkRuntimeIndexes(rt: RuntimeTelemetry, ctx: z.RefinementCtx): void {
  const bad = (message: string, path: Array<string | number>) =>
    ctx.addIssue({ code: 'custom', message, path: ['runtime', ...path] });
  const objects = rt.objects.length;
  const processes = rt.processes.length;
  rt.processes.forEach((p, i) => {
    if (p.exeObject !== undefined && p.exeObject >= objects) bad('exeObject out of range', ['processes', i]);
    if (p.maps.some((m) => m >= objects)) bad('maps index out of range', ['processes', i, 'maps']);
    if (p.scriptObject !== undefined && p.scriptObject >= objects)
      bad('scriptObject out of range', ['processes', i]);
  });
  rt.listeners.forEach((l, i) => {
    if (l.processes.some((x) => x >= processes)) bad('process index out of range', ['listeners', i]);
  });
  rt.connections.forEach((c, i) => {
    if (c.process !== undefined && c.process >= processes)
      bad('process index out of range', ['connections', i]);
  });
}

/** Caps of the host configuration material (issue 8); the agent keeps to them and says what it cut. */
export const HOST_CONFIG_LIMITS = {
  /** Directories listed. */
  maxListings: 256,
  /** Bytes of files the agent reads from configuration directories (modprobe.d, sysctl.d, profile.d...). */
  maxDirectoryBytes: 8 * 1024 * 1024,
  /** Entries recorded per listed directory (the total is still counted). */
  maxListingEntries: 2000,
  maxNameChars: 255,
  /** Users (shadow) and groups (gshadow) recorded. */
  maxAccountEntries: 20_000,
  maxGroupMembers: 1000,
  /** Kernel releases looked at under /lib/modules, and files recorded per module. */
  maxKernelReleases: 8,
  maxModuleFiles: 8,
  maxModules: 64,
  /** Paths recorded per category of the file system walk (all are counted). */
  maxWalkPathsPerCategory: 500,
  maxWalkPathChars: 1024,
  maxWalkSkipped: 256,
} as const;

const name = z.string().min(1).max(HOST_CONFIG_LIMITS.maxNameChars);

export const listingEntrySchema = z.object({
  name,
  type: z.enum(['file', 'directory', 'symlink', 'other']),
  mode: count,
  uid: count,
  gid: count,
  /** The link text, for a symlink. */
  target: z.string().max(4096).optional(),
});
export type ListingEntry = z.infer<typeof listingEntrySchema>;

export const listingRecordSchema = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('ok'),
    /** Sorted by name; at most HOST_CONFIG_LIMITS.maxListingEntries. */
    entries: z.array(listingEntrySchema).max(HOST_CONFIG_LIMITS.maxListingEntries),
    /** Entries in the directory (more than `entries` when truncated). */
    total: count,
    truncated: z.boolean(),
    /** Where a symlinked directory led, relative to the collection root. */
    resolvedPath: absPath.optional(),
  }),
  notCollected,
]);
export type ListingRecord = z.infer<typeof listingRecordSchema>;

/**
 * The password field of a shadow or gshadow line, redacted: whether it holds a usable hash, is locked
 * (`!`, `*`, `!!` prefixes: `lock` keeps them as written) or is empty, and which scheme a hash uses.
 */
export const passwordFieldSchema = z.object({
  state: z.enum(['hash', 'locked', 'empty']),
  /** Lock characters before the hash or alone (`!`, `!!`, `*`, `!*`...); never anything else. */
  lock: z
    .string()
    .regex(/^[!*]{1,4}$/)
    .optional(),
  /** Hash scheme by its crypt(3) prefix: sha512, sha256, yescrypt, gost-yescrypt, scrypt, bcrypt, md5, sunmd5, des, unknown. */
  scheme: z
    .enum([
      'sha512',
      'sha256',
      'yescrypt',
      'gost-yescrypt',
      'scrypt',
      'bcrypt',
      'md5',
      'sunmd5',
      'des',
      'unknown',
    ])
    .optional(),
});
export type PasswordField = z.infer<typeof passwordFieldSchema>;

/** A shadow aging field: days (or a date in days since 1970), empty (null), or not a number ('invalid'). */
const agingField = z.union([z.number().int().min(-1), z.null(), z.literal('invalid')]);

export const shadowEntrySchema = z.object({
  name,
  password: passwordFieldSchema,
  lastChange: agingField,
  minDays: agingField,
  maxDays: agingField,
  warnDays: agingField,
  inactiveDays: agingField,
  expireDate: agingField,
});
export type ShadowEntry = z.infer<typeof shadowEntrySchema>;

export const gshadowEntrySchema = z.object({
  name,
  password: passwordFieldSchema,
  administrators: z.array(name).max(HOST_CONFIG_LIMITS.maxGroupMembers),
  members: z.array(name).max(HOST_CONFIG_LIMITS.maxGroupMembers),
});
export type GshadowEntry = z.infer<typeof gshadowEntrySchema>;

/** Stat of the file itself and what its lines became; `malformed` lines are counted, never recorded. */
const redactedFile = <T extends z.ZodTypeAny>(entry: T) =>
  z.discriminatedUnion('status', [
    z.object({
      status: z.literal('ok'),
      mode: count,
      uid: count,
      gid: count,
      size: count,
      entries: z.array(entry).max(HOST_CONFIG_LIMITS.maxAccountEntries),
      /** Lines that are not name:password:... records (not recorded: they could hold anything). */
      malformed: count,
      truncated: z.boolean(),
    }),
    notCollected,
  ]);

export const accountsSchema = z.object({
  shadow: redactedFile(shadowEntrySchema),
  gshadow: redactedFile(gshadowEntrySchema),
});
export type AccountsTelemetry = z.infer<typeof accountsSchema>;

export const kernelModuleFilesSchema = z.object({
  /** Module files found, relative to /lib/modules/<release> (e.g. kernel/fs/cramfs/cramfs.ko.xz). */
  files: z.array(z.string().max(1024)).max(HOST_CONFIG_LIMITS.maxModuleFiles),
  /** Listed in modules.builtin: compiled into the kernel, cannot be kept from loading by modprobe.d. */
  builtin: z.boolean(),
});

export const kernelModulesSchema = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('ok'),
    /** The module names looked for (as CIS names them: usb-storage, firewire-core...). */
    wanted: z.array(name).max(HOST_CONFIG_LIMITS.maxModules),
    releases: z
      .array(
        z.object({
          release: name,
          /** The release of the running kernel (live host) or the one /proc/sys/kernel/osrelease names. */
          running: z.boolean(),
          /** How the files were found: the modules.dep index, a walk of the tree, or not at all. */
          index: z.discriminatedUnion('status', [
            z.object({ status: z.literal('ok'), source: z.enum(['modules.dep', 'walk']) }),
            notCollected,
          ]),
          /** Wanted modules with a file or a builtin entry; a wanted module absent here has neither. */
          modules: z.record(name, kernelModuleFilesSchema),
        }),
      )
      .max(HOST_CONFIG_LIMITS.maxKernelReleases),
    /** Releases present but not looked at (over the cap). */
    releasesSkipped: count,
  }),
  notCollected,
]);
export type KernelModulesTelemetry = z.infer<typeof kernelModulesSchema>;

export const WALK_CATEGORIES = [
  'worldWritableFiles',
  'worldWritableDirectoriesWithoutSticky',
  'unownedFiles',
  'ungroupedFiles',
  'suidFiles',
  'sgidFiles',
] as const;
export type WalkCategory = (typeof WALK_CATEGORIES)[number];

const walkPath = z
  .string()
  .min(1)
  .max(HOST_CONFIG_LIMITS.maxWalkPathChars)
  .refine((p) => p.startsWith('/'), 'must be an absolute path');

export const walkCategorySchema = z.object({
  /** Every match seen (also those past the cap). */
  count,
  /**
   * Matches recorded: path inside the root, mode, owner: the first maxWalkPathsPerCategory in path order
   * (walk order in agents before the find engine).
   */
  items: z
    .array(z.object({ path: walkPath, mode: count, uid: count, gid: count }))
    .max(HOST_CONFIG_LIMITS.maxWalkPathsPerCategory),
  /** True when count > items.length. */
  truncated: z.boolean(),
});

export const fileSystemWalkSchema = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('ok'),
    budget: z.object({ maxEntries: count, maxSeconds: z.number().nonnegative() }),
    /**
     * What walked: GNU find in a child process, or the agent's own Node walk (no GNU find, find failed, or an
     * agent before the engines); `note` says why the Node walk ran where it was not asked for.
     */
    engine: z.object({ name: z.enum(['gnu-find', 'node']), note: z.string().max(512).optional() }).optional(),
    /** Mount points walked (local file systems), each without crossing into another mount. */
    roots: z.array(walkPath).max(HOST_CONFIG_LIMITS.maxWalkSkipped),
    /** Mount points not walked, with their type and why (pseudo, network, outside the root...). */
    skipped: z
      .array(z.object({ path: walkPath, fsType: z.string().max(64), why: z.string().max(256) }))
      .max(HOST_CONFIG_LIMITS.maxWalkSkipped),
    /** How mount points were known: /proc/self/mounts under the root, or st_dev of the root alone. */
    mountSource: z.enum(['proc-mounts', 'device-of-root']),
    entriesVisited: count,
    elapsedMs: z.number().nonnegative(),
    /** False when the budget stopped the walk (then only found items are facts, not absences). */
    complete: z.boolean(),
    stoppedBy: z.enum(['entries', 'time']).optional(),
    /** Directories that could not be read (permission, vanished). */
    unreadableDirectories: count,
    /** uid and gid sets the ownership checks used (from /etc/passwd and /etc/group under the root). */
    ownership: z.discriminatedUnion('status', [z.object({ status: z.literal('ok') }), notCollected]),
    categories: z.object({
      worldWritableFiles: walkCategorySchema,
      worldWritableDirectoriesWithoutSticky: walkCategorySchema,
      unownedFiles: walkCategorySchema,
      ungroupedFiles: walkCategorySchema,
      suidFiles: walkCategorySchema,
      sgidFiles: walkCategorySchema,
    }),
  }),
  notCollected,
]);
export type FileSystemWalkTelemetry = z.infer<typeof fileSystemWalkSchema>;

/** Caps of the user environment material (home directories, dot files, root's umask lines, the agent's PATH). */
export const USER_ENVIRONMENT_LIMITS = {
  /** Distinct home directories of /etc/passwd looked at, in passwd order (all users are counted). */
  maxHomes: 1000,
  /** Dot entries (names starting with ".") recorded per home directory (all are counted); with maxHomes, at most 128,000 entries (about 10 MB of JSON). */
  maxDotEntries: 128,
  /** umask lines kept per root shell start-up file. */
  maxUmaskLines: 32,
  maxUmaskLineChars: 256,
  /** Directories of the PATH recorded. */
  maxPathDirectories: 64,
  maxPathChars: 4096,
} as const;

const userEnvPath = z
  .string()
  .min(1)
  .max(HOST_CONFIG_LIMITS.maxWalkPathChars)
  .refine((p) => p.startsWith('/'), 'must be an absolute path');

export const homeDirectorySchema = z.object({
  /** The home directory as /etc/passwd names it; the users of /etc/passwd that name it. */
  path: userEnvPath,
  users: z.array(name).max(HOST_CONFIG_LIMITS.maxGroupMembers),
  /** lstat of the home directory itself (links followed inside the root, as `paths` records them). */
  stat: pathStatSchema,
  /** Entries whose name starts with "." (owner, group, mode; never contents), sorted by name. */
  dotEntries: z.array(listingEntrySchema).max(USER_ENVIRONMENT_LIMITS.maxDotEntries),
  /** Dot entries in the directory (more than `dotEntries` when cut). */
  dotTotal: count,
});

/**
 * Home directories and dot files of /etc/passwd's users, root's shell start-up umask lines and the agent's
 * PATH (issue 8: accounts_user_dot_*, file_permissions_home_directories, no_netrc_files, accounts_umask_root,
 * root_path_*). Redacted on the host: names and modes of dot files, never their contents; of /root/.bashrc
 * and /root/.profile only the lines that set a umask.
 */
export const userEnvironmentSchema = z.object({
  homes: z.discriminatedUnion('status', [
    z.object({
      status: z.literal('ok'),
      entries: z.array(homeDirectorySchema).max(USER_ENVIRONMENT_LIMITS.maxHomes),
      /** Distinct home directories named by /etc/passwd (more than `entries` when truncated). */
      total: count,
      truncated: z.boolean(),
    }),
    notCollected,
  ]),
  /** /root/.bashrc and /root/.profile: only their lines that mention umask (comment lines included). */
  rootUmaskLines: z
    .array(
      z.object({
        path: userEnvPath,
        file: z.discriminatedUnion('status', [
          z.object({
            status: z.literal('ok'),
            lines: z
              .array(
                z.object({
                  line: count,
                  text: z.string().max(USER_ENVIRONMENT_LIMITS.maxUmaskLineChars),
                }),
              )
              .max(USER_ENVIRONMENT_LIMITS.maxUmaskLines),
            truncated: z.boolean(),
          }),
          notCollected,
        ]),
      }),
    )
    .max(4),
  /**
   * The PATH of the agent's own process and the uid it runs as (live host only: under another root it says
   * nothing about that root), with each absolute directory's stat under the root.
   */
  agentPath: z.discriminatedUnion('status', [
    z.object({
      status: z.literal('ok'),
      uid: count,
      value: z.string().max(USER_ENVIRONMENT_LIMITS.maxPathChars),
      directories: z
        .array(z.object({ path: userEnvPath, stat: pathStatSchema }))
        .max(USER_ENVIRONMENT_LIMITS.maxPathDirectories),
      truncated: z.boolean(),
    }),
    notCollected,
  ]),
});
export type UserEnvironmentTelemetry = z.infer<typeof userEnvironmentSchema>;

export const telemetrySchema = z
  .object({
    schemaVersion: z.literal(TELEMETRY_SCHEMA_VERSION),
    agent: z.object({ name: z.string().max(64), version: z.string().max(64) }),
    runId: idSchema,
    instanceId: idSchema,
    /** The directory the agent treated as `/`. */
    root: absPath,
    collection: z.object({
      startedAt: isoTime,
      finishedAt: isoTime,
      durationSeconds: z.number().nonnegative(),
    }),
    host: z.object({
      /** Kernel name: `Linux` from /proc/sys/kernel/ostype, else the agent's own platform. */
      kernelName: z.string().max(64),
      /** Where kernelName came from. */
      kernelNameSource: z.enum(['proc', 'os-release', 'agent-platform', 'unknown']),
      /** Machine architecture (x86_64, aarch64...), from /proc/sys/kernel/arch or the agent process. */
      arch: z.string().max(64).optional(),
      archSource: z.enum(['proc', 'agent-process']).optional(),
    }),
    /** Raw files keyed by their absolute path inside the root. */
    files: z.record(absPath, fileRecordSchema),
    /** stat of paths (system directories), keyed by path inside the root. */
    paths: z.record(absPath, pathStatSchema),
    /** Output of commands (package managers without a readable database, e.g. rpm). */
    commands: z.record(z.string().max(64), commandRecordSchema),
    /** /proc/sys, flattened to dotted keys (kernel.randomize_va_space). */
    kernelParameters: z.discriminatedUnion('status', [
      z.object({
        status: z.literal('ok'),
        values: z.record(z.string().max(512), z.string().max(64 * 1024)),
        /** Parameters that exist but could not be read (write-only, permission), with the error code. */
        unreadable: z.record(z.string().max(512), z.string().max(64)),
      }),
      notCollected,
    ]),
    /** Samples over the run's duration (one when the duration was 0); each sample's process list only while
     * RUNTIME_LIMITS.maxSampleProcessBytes lasts. */
    samples: z.array(sampleSchema).max(LIMITS.maxSamples),
    /** Problems the agent met and recovered from. */
    warnings: z.array(z.string().max(2048)).max(1000),
    /** Runtime behaviour over the sampling window (processes, sockets, ELF facts); absent from older agents. */
    runtime: runtimeSchema.optional(),
    /** Directory listings (names, types, link targets, owner and mode), keyed by directory (issue 8). */
    listings: z.record(absPath, listingRecordSchema).optional(),
    /** /etc/shadow and /etc/gshadow redacted by the agent: never a hash or a salt (issue 8). */
    accounts: accountsSchema.optional(),
    /** Kernel module files present for the modules CIS judges, per installed kernel (issue 8). */
    kernelModules: kernelModulesSchema.optional(),
    /** Bounded walk of local file systems: world-writable, unowned, SUID/SGID files (issue 8). */
    fileSystemWalk: fileSystemWalkSchema.optional(),
    /** Home directories, dot files, root's umask lines and the agent's PATH (issue 8); absent from older agents. */
    userEnvironment: userEnvironmentSchema.optional(),
  })
  .superRefine((doc, ctx) => {
    if (doc.runtime) checkRuntimeIndexes(doc.runtime, ctx);
    if (doc.listings && Object.keys(doc.listings).length > HOST_CONFIG_LIMITS.maxListings) {
      ctx.addIssue({ code: 'custom', message: 'too many listings', path: ['listings'] });
    }
    if (Object.keys(doc.files).length > LIMITS.maxFiles) {
      ctx.addIssue({ code: 'custom', message: `more than ${LIMITS.maxFiles} files`, path: ['files'] });
    }
    if (
      doc.kernelParameters.status === 'ok' &&
      Object.keys(doc.kernelParameters.values).length > LIMITS.maxKernelParameters
    ) {
      ctx.addIssue({ code: 'custom', message: 'too many kernel parameters', path: ['kernelParameters'] });
    }
  });

export type Telemetry = z.infer<typeof telemetrySchema>;

export class TelemetryValidationError extends Error {
  override readonly name = 'TelemetryValidationError';
  constructor(
    message: string,
    readonly issues: readonly string[],
  ) {
    super(message);
  }
}

/** Validate an untrusted value as a telemetry document; throws TelemetryValidationError with readable issues. */
export function parseTelemetry(value: unknown): Telemetry {
  const result = telemetrySchema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues
    .slice(0, 20)
    .map((i) => `${i.path.map(String).join('.') || '(document)'}: ${i.message}`);
  throw new TelemetryValidationError(
    `telemetry document is invalid: ${issues.slice(0, 3).join('; ')}`,
    issues,
  );
}

/** Parse and validate serialized telemetry, refusing oversized input before parsing it. */
export function parseTelemetryJson(text: string): Telemetry {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > LIMITS.maxDocumentBytes) {
    throw new TelemetryValidationError(
      `telemetry document is ${bytes} bytes, over the ${LIMITS.maxDocumentBytes}-byte limit`,
      ['(document): too large'],
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new TelemetryValidationError(`telemetry document is not JSON: ${(err as Error).message}`, [
      '(document): not JSON',
    ]);
  }
  return parseTelemetry(value);
}
