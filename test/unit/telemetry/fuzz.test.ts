/**
 * Fuzzed telemetry (DESIGN.md, "Bad input"). A valid document collected by the real agent from fixture roots
 * is mutated a few thousand times (fields dropped, duplicated and retyped, huge strings, wrong enums,
 * negative and absurd numbers, deep nesting, prototype keys, non-UTF-8 base64 content, absurd paths, and
 * random but schema-valid configuration files); each mutant must either be rejected by the schema with a
 * TelemetryValidationError that lists its issues, or be evaluated by the Security Best Practices package
 * without a throw (not even one caught and turned into ERROR) and with a known result for every rule.
 * The encrypted envelope is fuzzed too: flipped bits, truncations, appends and splices must be refused with
 * TelemetryDecryptError or TelemetryValidationError, promptly.
 *
 * Seeded: a failure names its seed and case; rerun it with TEST_SEED=<seed>.
 */
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectTelemetry } from '../../../agent/collect';
import { evaluateTelemetry } from '../../../functions/core/evaluate';
import { RESULTS } from '../../../functions/core/model';
import {
  decryptTelemetry,
  encryptTelemetry,
  parseTelemetry,
  parseTelemetryJson,
  rawAesKeyring,
  type Telemetry,
  TelemetryDecryptError,
  TelemetryValidationError,
} from '../../../functions/core/telemetry';
import { securityBestPracticesPackage } from '../../../functions/rules/security-best-practices';
import { writeProcess, writeSockets } from '../../helpers/fixture-proc';
import { cleanupRoots, makeRoot } from '../../helpers/fixture-root';
import { SBP_RULE_IDS, sbpFailingRoot, sbpPassingRoot } from '../../helpers/sbp-roots';
import { type Random, seededRandom, testSeed } from '../../helpers/seeded-random';

const SEED = testSeed(0x5eed_7e1e);
const DOCUMENT_CASES = 2000;
const ENVELOPE_CASES = 400;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Container = Json[] | { [key: string]: Json };

const bases: Telemetry[] = [];

beforeAll(async () => {
  const extra = {
    '/etc/ssh/sshd_config.d/10-match.conf': 'Match User backup\n  PasswordAuthentication yes\nMatch all\n',
    // Not UTF-8: the agent records it as base64.
    '/etc/security/pwquality.conf.d/50-binary.conf': {
      content: Buffer.from([0x6d, 0x69, 0x6e, 0x6c, 0x65, 0x6e, 0x3d, 0xff, 0xfe, 0x0a]),
    },
    '/etc/pam.d/system-auth': 'password include common-password\n',
  };
  for (const [n, spec] of [sbpPassingRoot(), sbpFailingRoot()].entries()) {
    const root = makeRoot({ ...spec, files: { ...spec.files, ...extra } });
    // The second base has a fake /proc, so its runtime section (processes, listeners, connections, ELF
    // facts) is mutated too.
    if (n === 1) fakeProc(root);
    const doc = await collectTelemetry({ root, runId: 'run-fuzz', instanceId: 'i-fuzz' });
    bases.push(parseTelemetry(doc));
  }
  expect(bases[1]!.runtime!.listeners.length).toBeGreaterThan(0);
});
afterAll(cleanupRoots);

function fakeProc(root: string): void {
  mkdirSync(path.join(root, 'usr/bin'), { recursive: true });
  copyFileSync('/usr/bin/true', path.join(root, 'usr/bin/app'));
  writeProcess(root, {
    pid: 10,
    exe: '/usr/bin/app',
    maps: ['/usr/bin/app', '/gone.so'],
    args: ['app', '-p', 'x'],
    sockets: [1, 2],
  });
  writeProcess(root, { pid: 11, uid: 1000, exe: '/usr/bin/app', sockets: [3] });
  writeSockets(root, [
    { protocol: 'tcp', local: ['0.0.0.0', 22], state: 0x0a, inode: 1 },
    { protocol: 'tcp', local: ['10.0.0.1', 22], remote: ['10.0.0.2', 50000], state: 0x01, inode: 2 },
    { protocol: 'tcp', local: ['10.0.0.1', 40000], remote: ['10.0.0.3', 23], state: 0x01, inode: 3 },
    { protocol: 'udp6', local: ['::', 69], state: 0x07, inode: 4 },
  ]);
}

// ---------------------------------------------------------------------------------------------------------
// Values

const HUGE_PATTERNS = [
  'a',
  ' ',
  '\t',
  ' \t',
  '\\',
  '*',
  '#',
  '"',
  '<b>&amp;',
  'x\n',
  '\r\n',
  '\u0000',
  '\ud800',
];
const WRONG_ENUMS = [
  '',
  'OK',
  'Ok',
  'missing ',
  'utf-8',
  'BASE64',
  'hex',
  'directory',
  'dir',
  'symlink',
  'not-found',
  'ENOENT',
  'linux',
  'LINUX',
  'Darwin',
  'Windows_NT',
  'arm64',
  'x86_64',
  'proc',
  'agent-process',
  '__proto__',
  'constructor',
];
const ODD_NUMBERS = [-1, -0, 0.5, -2147483648, 2 ** 53, 1e308, -1e308, 4294967295, 0o177777, 1e-300];
const PROTO_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf'];
const ABSURD_PATHS = [
  '/',
  '//',
  '/..',
  '/../../../etc/shadow',
  '/etc/ssh/sshd_config.d/../../ssh/sshd_config',
  '/etc/pam.d/',
  '/etc/pam.d//common-password',
  '/etc/ssh/sshd_config\u0000',
  '/etc/ssh/sshd_config.d/*.conf',
  '/etc/ssh/sshd_config.d/[!a]*',
  '/etc/\u202egnp.d/common-password',
  '/__proto__',
  '/constructor',
  `/${'a/'.repeat(2100)}x`,
  `/${'x'.repeat(5000)}`,
  'etc/ssh/sshd_config',
  '',
  'C:\\Windows\\System32',
];

function huge(r: Random): string {
  const unit = r.pick(HUGE_PATTERNS);
  const n = 1 + r.int(r.chance(0.5) ? 1000 : 100_000);
  return unit.repeat(Math.ceil(n / unit.length)) + r.pick(['', 'x', '#', '=', ' no', '"']);
}

function randomValue(r: Random, depth = 0): Json {
  switch (r.int(depth > 2 ? 6 : 8)) {
    case 0:
      return null;
    case 1:
      return r.chance(0.5);
    case 2:
      return r.pick(ODD_NUMBERS);
    case 3:
      return r.int(1000);
    case 4:
      return r.pick(WRONG_ENUMS);
    case 5:
      return huge(r);
    case 6:
      return Array.from({ length: r.int(4) }, () => randomValue(r, depth + 1));
    default: {
      const o: Record<string, Json> = {};
      for (let i = r.int(4); i > 0; i--)
        o[r.pick([...WRONG_ENUMS, 'status', 'content'])] = randomValue(r, depth + 1);
      return o;
    }
  }
}

function nest(r: Random, value: Json): Json {
  let v = value;
  const depth = 50 + r.int(750);
  const asArray = r.chance(0.5);
  for (let i = 0; i < depth; i++) v = asArray ? [v] : { status: v };
  return v;
}

/** An own property even for `__proto__` (a plain assignment would set the prototype instead). */
function setOwn(o: Record<string, Json>, key: string, value: Json): void {
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
}

// ---------------------------------------------------------------------------------------------------------
// Configuration files made of plausible and broken lines, so mutants also get past the schema and into the
// parsers and rules.

const LINES: Record<string, readonly string[]> = {
  sshd: [
    'PermitRootLogin no',
    'PermitRootLogin yes',
    'permitrootlogin=without-password',
    '"PermitRootLogin" "no"',
    'PermitRootLogin "no',
    'PasswordAuthentication no',
    'PasswordAuthentication',
    'Protocol 2,1',
    'Protocol 1',
    'Include sshd_config.d/*.conf',
    'Include /etc/ssh/sshd_config',
    'Include /etc/ssh/sshd_config.d/fuzz.conf',
    'Include "/etc/ssh/sshd_config.d/[!a]*"',
    'Include /etc/ssh/[',
    'Include ../../../../etc/passwd',
    'Include *',
    'Include',
    'Match User root',
    'Match all',
    'Match',
    '  # comment',
    'Key = = value',
    '\\',
    '=',
    '\t\t',
  ],
  pam: [
    'password requisite pam_pwquality.so retry=3 minlen=14',
    '#password requisite pam_pwquality.so',
    '-password [success=1 default=ignore] pam_cracklib.so minlen=20',
    'password [authtok_err=ignore pam_pwquality.so',
    'password [__proto__=ignore constructor=bad default=die] pam_pwquality.so',
    'password include common-password',
    'password substack system-auth',
    'password include password-auth',
    '@include common-password',
    '@include',
    '@include /etc/pam.d/password-auth',
    'password',
    'password required',
    'auth required pam_unix.so',
    'password optional pam_pwquality.so enforcing=0',
    'password requisite pam_pwquality.so minlen=abc',
    'password requisite pam_pwquality.so \\',
    '[',
    ']',
  ],
  loginDefs: [
    'PASS_MAX_DAYS 90',
    'PASS_MAX_DAYS -1',
    'PASS_MAX_DAYS 99999999999999999999999',
    'PASS_MIN_LEN 14',
    'PASS_MIN_LEN "14',
    'PASS_MIN_LEN 1e3',
    'PASS_MAX_DAYS',
    '# PASS_MAX_DAYS 1',
    'PASS_MAX_DAYS\t0x10',
    'constructor 1',
  ],
  pwquality: [
    'minlen = 14',
    'minlen=-5',
    'minlen',
    'enforcing = 0',
    'MINLEN=999999999999999999999',
    '# minlen = 30',
    '= 3',
    'minlen = 14 # comment',
    '__proto__ = 1',
  ],
  cpuinfo: [
    'processor\t: 0',
    'flags\t\t: fpu nx',
    'flags\t\t:',
    'Features\t: fp asimd',
    '',
    'processor : x',
    'processor\t: 99999999999999999999',
    ':',
    'flags',
    '__proto__ : 1',
  ],
};

const CONFIG_FILES: ReadonlyArray<[string, keyof typeof LINES]> = [
  ['/etc/ssh/sshd_config', 'sshd'],
  ['/etc/ssh/sshd_config.d/50-cloud-init.conf', 'sshd'],
  ['/etc/ssh/sshd_config.d/fuzz.conf', 'sshd'],
  ['/etc/pam.d/common-password', 'pam'],
  ['/etc/pam.d/system-auth', 'pam'],
  ['/etc/pam.d/password-auth', 'pam'],
  ['/etc/login.defs', 'loginDefs'],
  ['/etc/security/pwquality.conf', 'pwquality'],
  ['/etc/security/pwquality.conf.d/fuzz.conf', 'pwquality'],
  ['/proc/cpuinfo', 'cpuinfo'],
];

function configText(r: Random, kind: keyof typeof LINES): string {
  const lines: string[] = [];
  for (let i = r.int(30); i > 0; i--) {
    let line = r.pick(LINES[kind]!);
    if (r.chance(0.1)) line = `${r.pick([' ', '\t', '\\', '#'])}${line}`;
    if (r.chance(0.03)) line = `${huge(r)}${line}`;
    if (r.chance(0.03)) line = `${line}${huge(r)}`;
    lines.push(line);
  }
  return lines.join(r.chance(0.8) ? '\n' : '\r\n');
}

function fileRecord(r: Random, content: string): Json {
  const base64 = r.chance(0.2);
  return {
    status: 'ok',
    encoding: base64 ? 'base64' : 'utf8',
    content: base64
      ? r.pick([
          Buffer.concat([Buffer.from(content), randomBytesFrom(r, r.int(64))]).toString('base64'),
          randomBytesFrom(r, r.int(512)).toString('base64'),
          '!!not base64%%',
          '====',
        ])
      : content,
    size: content.length,
    mode: r.pick([0o100644, 0o100600, 0o100777]),
    uid: r.pick([0, 1000]),
    gid: 0,
  };
}

function randomBytesFrom(r: Random, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = r.int(256);
  return b;
}

// ---------------------------------------------------------------------------------------------------------
// Mutations

interface Slot {
  parent: Container;
  key: string | number;
}

/** Every place in the document, down to a depth that keeps deep nesting from nesting ever deeper. */
function slots(root: Json): Slot[] {
  const out: Slot[] = [];
  const walk = (v: Json, depth: number) => {
    if (depth > 24) return;
    if (Array.isArray(v)) {
      v.forEach((x, i) => {
        out.push({ parent: v, key: i });
        walk(x, depth + 1);
      });
    } else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        out.push({ parent: v, key: k });
        walk(x, depth + 1);
      }
    }
  };
  walk(root, 0);
  return out;
}

const get = (s: Slot): Json => (s.parent as Record<string | number, Json>)[s.key]!;
const set = (s: Slot, v: Json): void => {
  (s.parent as Record<string | number, Json>)[s.key] = v;
};

/** `v` when it is a plain object (an earlier mutation may have retyped it). */
function record(v: Json | undefined): Record<string, Json> | undefined {
  return v && typeof v === 'object' && !Array.isArray(v) ? v : undefined;
}

function mutate(r: Random, doc: Record<string, Json>): string {
  const all = slots(doc);
  if (all.length === 0) return 'nothing left';
  const s = r.pick(all);
  const files = record(doc.files);
  switch (r.int(12)) {
    case 0:
      if (Array.isArray(s.parent)) s.parent.splice(s.key as number, 1);
      else delete s.parent[s.key as string];
      return `drop ${String(s.key)}`;
    case 1: {
      const copy = structuredClone(get(s));
      if (Array.isArray(s.parent)) s.parent.push(copy);
      else s.parent[`${String(s.key)}${r.pick(['', '/', ' ', '.dup'])}${r.int(3)}`] = copy;
      return `duplicate ${String(s.key)}`;
    }
    case 2:
      set(s, randomValue(r));
      return `retype ${String(s.key)}`;
    case 3:
      set(s, huge(r));
      return `huge string at ${String(s.key)}`;
    case 4: {
      const strings = all.filter((x) => typeof get(x) === 'string');
      const t = strings.length > 0 ? r.pick(strings) : s;
      set(t, r.pick(WRONG_ENUMS));
      return `wrong enum at ${String(t.key)}`;
    }
    case 5: {
      const numbers = all.filter((x) => typeof get(x) === 'number');
      const t = numbers.length > 0 ? r.pick(numbers) : s;
      set(t, r.pick(ODD_NUMBERS));
      return `odd number at ${String(t.key)}`;
    }
    case 6:
      set(s, nest(r, get(s)));
      return `deep nesting at ${String(s.key)}`;
    case 7: {
      const objects = all
        .map(get)
        .filter((v): v is Record<string, Json> => !!v && typeof v === 'object' && !Array.isArray(v));
      const o = objects.length > 0 ? r.pick(objects) : doc;
      const key = r.pick(PROTO_KEYS);
      setOwn(o, key, r.chance(0.5) ? structuredClone(get(r.pick(all))) : randomValue(r));
      return `prototype key ${key}`;
    }
    case 8: {
      if (!files) return 'no files';
      const name = r.pick([...Object.keys(files), ...CONFIG_FILES.map(([p]) => p)]);
      const text = Buffer.from(r.pick(LINES[r.pick(Object.keys(LINES))]!));
      const bytes = Buffer.concat([randomBytesFrom(r, r.int(8)), Buffer.from([0xff, 0xc3]), text]);
      files[name] = {
        status: 'ok',
        encoding: 'base64',
        content: r.chance(0.8) ? bytes.toString('base64') : r.pick(['!!not base64%%', '====', '\u0000']),
        size: bytes.length,
        mode: 0o100644,
        uid: 0,
        gid: 0,
      };
      return `base64 content at ${name}`;
    }
    case 9: {
      const where = r.pick(['files', 'paths', 'root', 'resolvedPath', 'linkTarget'] as const);
      const p = r.pick(ABSURD_PATHS);
      if (where === 'root') doc.root = p;
      else if (where === 'files' || where === 'paths') {
        const rec = record(doc[where]);
        if (rec) rec[p] = structuredClone(r.pick(Object.values(rec)) ?? null);
      } else {
        const recs = all
          .map(get)
          .filter(
            (v): v is Record<string, Json> =>
              !!v && typeof v === 'object' && (v as Record<string, Json>).status === 'ok',
          );
        if (recs.length > 0) r.pick(recs)[where] = p;
      }
      return `absurd path in ${where}`;
    }
    case 10: {
      const values = record(record(doc.kernelParameters)?.values);
      const host = record(doc.host);
      if (r.chance(0.5) && values) {
        values[r.pick(['kernel.randomize_va_space', 'kernel.arch', 'kernel.ostype', 'kernel.hostname'])] =
          r.pick(['2', ' 2 ', '0', '-1', '', 'aarch64', 'i686', 'Linux', '<b>x</b>', huge(r)]);
      } else if (host) {
        host[r.pick(['kernelName', 'arch'])] = r.pick([
          'Linux',
          'linux',
          'LINUX',
          'Darwin',
          '',
          'arm64',
          'x86_64',
          'sparc',
        ]);
      }
      return 'host identity';
    }
    default: {
      if (!files) return 'no files';
      const [p, kind] = r.pick(CONFIG_FILES);
      files[p] = fileRecord(r, configText(r, kind));
      return `config ${p}`;
    }
  }
}

// ---------------------------------------------------------------------------------------------------------

const OPTS = { runId: 'run-fuzz', createdAt: '2026-01-01T00:00:00.000Z' };
const KNOWN_RESULTS: readonly string[] = RESULTS;

describe('fuzzed telemetry', () => {
  it(`is either rejected with readable issues or evaluated to known results (seed ${SEED})`, async () => {
    const r = seededRandom(SEED);
    let rejected = 0;
    let evaluated = 0;
    for (let n = 0; n < DOCUMENT_CASES; n++) {
      const doc = structuredClone(r.pick(bases)) as unknown as Record<string, Json>;
      const steps: string[] = [];
      for (let k = 1 + r.int(3); k > 0; k--) steps.push(mutate(r, doc));
      const label = `seed ${SEED} case ${n}: ${steps.join(', ')}`;

      const text = JSON.stringify(doc);
      let parsed: Telemetry;
      try {
        parsed = parseTelemetryJson(text);
      } catch (err) {
        expect(err, label).toBeInstanceOf(TelemetryValidationError);
        const issues = (err as TelemetryValidationError).issues;
        expect(issues.length, label).toBeGreaterThan(0);
        for (const issue of issues) expect(issue, label).toMatch(/^\S.*: \S/);
        rejected++;
        continue;
      }
      const out = await evaluateTelemetry(parsed, [securityBestPracticesPackage], OPTS);
      expect(out.exclusions, label).toEqual([]);
      expect(out.results.map((x) => x.ruleId).sort(), label).toEqual([...SBP_RULE_IDS].sort());
      for (const result of out.results) {
        expect(KNOWN_RESULTS, `${label}: ${result.ruleId}`).toContain(result.result);
        // A check that throws is caught and turned into ERROR; on schema-valid input it is still a bug.
        expect(result.message, `${label}: ${result.ruleId}`).not.toMatch(/failed while evaluating/);
      }
      evaluated++;
    }
    // Neither outcome may be degenerate, or the fuzz tests only one side.
    expect(rejected).toBeGreaterThan(DOCUMENT_CASES / 10);
    expect(evaluated).toBeGreaterThan(DOCUMENT_CASES / 10);
  });

  it(`refuses mutated ciphertext with a telemetry error, never another exception or a hang (seed ${SEED})`, async () => {
    const r = seededRandom(SEED ^ 0xe7e1);
    const keyring = rawAesKeyring(randomBytes(32));
    const doc = bases[0]!;
    const address = { runId: doc.runId, instanceId: doc.instanceId };
    const ct = await encryptTelemetry(doc, keyring);
    for (let n = 0; n < ENVELOPE_CASES; n++) {
      const [bad, what] = mutateBytes(r, ct);
      const label = `seed ${SEED} envelope case ${n}: ${what}`;
      const outcome = await withDeadline(
        decryptTelemetry(bad, keyring, address).then(
          (d) => ({ ok: true as const, d }),
          (e: unknown) => ({ ok: false as const, e }),
        ),
        5000,
        label,
      );
      if (outcome.ok) {
        // Only bytes the SDK does not read may change without a refusal, and then nothing else changed.
        expect(outcome.d, label).toEqual(doc);
        continue;
      }
      const e = outcome.e;
      expect(
        e instanceof TelemetryDecryptError || e instanceof TelemetryValidationError,
        `${label}: ${String(e)}`,
      ).toBe(true);
    }
  });
});

function mutateBytes(r: Random, ct: Buffer): [Buffer, string] {
  const at = r.int(ct.length);
  switch (r.int(6)) {
    case 0: {
      const bad = Buffer.from(ct);
      const flips = 1 + r.int(8);
      for (let i = 0; i < flips; i++) {
        const p = r.chance(0.5) ? r.int(Math.min(ct.length, 400)) : r.int(ct.length);
        bad[p] = bad[p]! ^ (1 << r.int(8));
      }
      return [bad, `${flips} bit flips`];
    }
    case 1:
      return [ct.subarray(0, at), `truncated to ${at}`];
    case 2:
      return [Buffer.concat([ct, randomBytesFrom(r, 1 + r.int(64))]), 'random bytes appended'];
    case 3:
      return [
        Buffer.concat([ct.subarray(0, at), randomBytesFrom(r, 1 + r.int(64)), ct.subarray(at)]),
        `random bytes inserted at ${at}`,
      ];
    case 4: {
      const bad = Buffer.from(ct);
      randomBytesFrom(r, 1 + r.int(32)).copy(bad, at);
      return [bad, `window overwritten at ${at}`];
    }
    default:
      return [Buffer.concat([ct.subarray(0, at), ct]), `prefix of ${at} bytes spliced before a copy`];
  }
}

function withDeadline<T>(p: Promise<T>, ms: number, label: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${label}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}
