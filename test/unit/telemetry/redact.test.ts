import { describe, expect, it } from 'vitest';
import {
  classifyPassword,
  HOST_CONFIG_LIMITS,
  parseTelemetry,
  redactGrub,
  redactGshadow,
  redactPasswdLike,
  redactRepoCredentials,
  redactShadow,
} from '../../../functions/core/telemetry';

describe('classifyPassword: state, lock and scheme, never the hash', () => {
  it.each([
    ['$6$rounds=5000$abc$def', { state: 'hash', scheme: 'sha512' }],
    ['$5$abc$def', { state: 'hash', scheme: 'sha256' }],
    ['$y$j9T$abc$def', { state: 'hash', scheme: 'yescrypt' }],
    ['$gy$j9T$abc$def', { state: 'hash', scheme: 'gost-yescrypt' }],
    ['$7$CU..../....abc$def', { state: 'hash', scheme: 'scrypt' }],
    ['$2b$10$abcdefghijklmnopqrstuu', { state: 'hash', scheme: 'bcrypt' }],
    ['$1$abc$def', { state: 'hash', scheme: 'md5' }],
    ['abJnggxhB/yWI', { state: 'hash', scheme: 'des' }],
    ['x', { state: 'hash', scheme: 'unknown' }],
    ['', { state: 'empty' }],
    ['!', { state: 'locked', lock: '!' }],
    ['!!', { state: 'locked', lock: '!!' }],
    ['*', { state: 'locked', lock: '*' }],
    ['!*', { state: 'locked', lock: '!*' }],
    ['!$6$abc$def', { state: 'locked', lock: '!', scheme: 'sha512' }],
    ['*LK*', { state: 'locked', lock: '*', scheme: 'unknown' }],
  ])('%j → %j', (field, expected) => {
    expect(classifyPassword(field)).toEqual(expected);
  });
});

describe('redactShadow / redactGshadow', () => {
  it('keeps aging fields, marks non-numbers invalid, counts malformed lines', () => {
    const r = redactShadow('a:$6$s$h:19000:x:99999:7:::\nb:*:::::::\nnot a record\n', HOST_CONFIG_LIMITS);
    expect(r.malformed).toBe(1);
    expect(r.entries[0]).toMatchObject({
      lastChange: 19000,
      minDays: 'invalid',
      maxDays: 99999,
      inactiveDays: null,
    });
    expect(r.entries[1]).toMatchObject({ password: { state: 'locked', lock: '*' }, lastChange: null });
    expect(JSON.stringify(r)).not.toContain('$s$h');
  });

  it('stops at the entry cap and says so', () => {
    const text = Array.from({ length: 30 }, (_, i) => `u${i}:*:1:0:99999:7:::`).join('\n');
    const r = redactShadow(text, { ...HOST_CONFIG_LIMITS, maxAccountEntries: 25 });
    expect(r.entries).toHaveLength(25);
    expect(r.truncated).toBe(true);
  });

  it('gshadow members and administrators', () => {
    expect(redactGshadow('wheel:!:root:alice,bob\n', HOST_CONFIG_LIMITS).entries).toEqual([
      {
        name: 'wheel',
        password: { state: 'locked', lock: '!' },
        administrators: ['root'],
        members: ['alice', 'bob'],
      },
    ]);
  });
});

describe('redactPasswdLike and redactGrub', () => {
  it('passwd: only a hash is replaced', () => {
    const r = redactPasswdLike(
      'root:x:0:0::/root:/bin/sh\nold:$1$ab$cd:1:1::/:/bin/sh\n+::::::\n# c:$6$a$b\n',
    );
    expect(r.text).toBe('root:x:0:0::/root:/bin/sh\nold:<redacted>:1:1::/:/bin/sh\n+::::::\n# c:$6$a$b\n');
    expect(r.redacted).toBe(1);
  });

  it.each([
    ['password_pbkdf2 root grub.pbkdf2.sha512.10000.AB.CD', 'password_pbkdf2 root <redacted>'],
    [
      '  password_pbkdf2 "admin user" grub.pbkdf2.sha512.10000.AB.CD',
      '  password_pbkdf2 "admin user" <redacted>',
    ],
    ['password root plaintext', 'password root <redacted>'],
    ['GRUB2_PASSWORD=grub.pbkdf2.sha512.10000.AB.CD', 'GRUB2_PASSWORD=<redacted>'],
    [
      'cat << EOF\nset superusers="root"\npassword_pbkdf2 root grub.pbkdf2.sha512.1.X.Y\nEOF',
      'cat << EOF\nset superusers="root"\npassword_pbkdf2 root <redacted>\nEOF',
    ],
    ['set superusers="root"', 'set superusers="root"'],
    ['echo grub.pbkdf2.sha512.1.X.Y', 'echo <redacted>'],
  ])('%j', (input, output) => {
    expect(redactGrub(input).text).toBe(output);
  });
});

describe('redactRepoCredentials (dnf.conf, yum.conf, *.repo)', () => {
  it.each([
    ['username=alice', 'username=<redacted>'],
    ['password = hunter2', 'password = <redacted>'],
    ['Proxy_Password=s3cret', 'Proxy_Password=<redacted>'],
    ['proxy=http://bob:s3cret@proxy.example.org:3128', 'proxy=http://<redacted>@proxy.example.org:3128'],
    [
      'baseurl=https://user:token@repo.example.org/el9/$basearch/',
      'baseurl=https://<redacted>@repo.example.org/el9/$basearch/',
    ],
    ['gpgcheck=1', 'gpgcheck=1'],
    ['baseurl=https://repo.example.org/el9/', 'baseurl=https://repo.example.org/el9/'],
    ['# password=in a comment stays a comment', '# password=in a comment stays a comment'],
  ])('%s', (line, want) => {
    expect(redactRepoCredentials(`[main]\n${line}\n`).text).toBe(`[main]\n${want}\n`);
  });
});

describe('schema: the redacted sections cannot carry a hash', () => {
  const base = {
    schemaVersion: 1,
    agent: { name: 'a', version: '1' },
    runId: 'r',
    instanceId: 'i',
    root: '/',
    collection: { startedAt: '2026-01-01T00:00:00Z', finishedAt: '2026-01-01T00:00:01Z', durationSeconds: 0 },
    host: { kernelName: 'Linux', kernelNameSource: 'proc' },
    files: {},
    paths: {},
    commands: {},
    kernelParameters: { status: 'missing', reason: 'not-found', detail: '' },
    samples: [],
    warnings: [],
  };
  const shadow = (password: unknown) => ({
    ...base,
    accounts: {
      shadow: {
        status: 'ok',
        mode: 0o100640,
        uid: 0,
        gid: 42,
        size: 1,
        malformed: 0,
        truncated: false,
        entries: [
          {
            name: 'root',
            password,
            lastChange: 1,
            minDays: 0,
            maxDays: 1,
            warnDays: 1,
            inactiveDays: null,
            expireDate: null,
          },
        ],
      },
      gshadow: { status: 'missing', reason: 'not-found', detail: '' },
    },
  });

  it('accepts a redacted record', () => {
    expect(() => parseTelemetry(shadow({ state: 'locked', lock: '!', scheme: 'sha512' }))).not.toThrow();
  });

  it.each([
    [{ state: 'hash', scheme: 'sha512', hash: '$6$salt$hash' }],
    [{ state: 'hash', scheme: '$6$salt$hash' }],
    [{ state: 'locked', lock: '!$6$salt$hash' }],
    ['$6$salt$hash'],
  ])('refuses %j', (password) => {
    // zod strips unknown keys: an extra `hash` key never reaches the parsed document.
    const parsed = (() => {
      try {
        return parseTelemetry(shadow(password));
      } catch {
        return undefined;
      }
    })();
    expect(JSON.stringify(parsed ?? {})).not.toContain('salt');
  });

  it('refuses a not-live-host reason on a file record only with the new enum value', () => {
    expect(() =>
      parseTelemetry({
        ...base,
        files: { '/proc/modules': { status: 'missing', reason: 'not-live-host', detail: 'x' } },
      }),
    ).not.toThrow();
    expect(() =>
      parseTelemetry({
        ...base,
        files: { '/proc/modules': { status: 'missing', reason: 'not-live', detail: 'x' } },
      }),
    ).toThrow();
  });

  it('refuses more listing entries than the cap', () => {
    const entries = Array.from({ length: HOST_CONFIG_LIMITS.maxListingEntries + 1 }, (_, i) => ({
      name: `u${i}`,
      type: 'file',
      mode: 0,
      uid: 0,
      gid: 0,
    }));
    expect(() =>
      parseTelemetry({
        ...base,
        listings: { '/x': { status: 'ok', entries, total: entries.length, truncated: false } },
      }),
    ).toThrow();
  });
});
