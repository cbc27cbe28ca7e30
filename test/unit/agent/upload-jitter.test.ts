/**
 * --upload-jitter: the agent waits a random 0..S seconds after sampling and before encrypting and
 * uploading (KMS and S3 then see a fleet spread out). Checked on the real agent run over a fixture root,
 * with the wait and the draw injected (no wall time), and the flag's bounds.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_UPLOAD_JITTER_SECONDS, parseAgentArgs, runAgent } from '../../../agent/main';
import { decryptTelemetry, rawAesKeyring } from '../../../functions/core/telemetry';
import { cleanupRoots, makeRoot } from '../../helpers/fixture-root';

let work: string;
let root: string;
let keyFile: string;
const key = randomBytes(32);

beforeAll(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'agent-jitter-'));
  keyFile = path.join(work, 'k');
  writeFileSync(keyFile, key);
  root = makeRoot({ files: { '/etc/os-release': 'ID=debian\nVERSION_ID="12"\n' } });
});
afterAll(() => {
  cleanupRoots();
  rmSync(work, { recursive: true, force: true });
});

const local = (out: string, extra: string[] = []) =>
  parseAgentArgs(['--out', out, '--key-file', keyFile, '--root', root, '--walk-seconds', '0', ...extra]);

describe('agent --upload-jitter', () => {
  it('waits random × S seconds before it encrypts, then delivers as usual', async () => {
    const out = path.join(work, 'a.bin');
    const events: string[] = [];
    const waits: number[] = [];
    await runAgent(local(out, ['--upload-jitter', '40']), {
      random: () => 0.25,
      sleep: async (ms) => {
        waits.push(ms);
        events.push('wait');
      },
      log: (line) => events.push(line),
    });
    expect(waits).toEqual([10_000]);
    // After collection, before encryption.
    expect(events.indexOf('wait')).toBeLessThan(events.indexOf('encrypting'));
    expect(events.indexOf('wait')).toBeGreaterThan(0);
    const doc = await decryptTelemetry(readFileSync(out), rawAesKeyring(key), {
      runId: 'local',
      instanceId: doc0InstanceId(),
    });
    expect(doc.files['/etc/os-release']?.status).toBe('ok');
  });

  it('does not wait at all by default (0)', async () => {
    const waits: number[] = [];
    await runAgent(local(path.join(work, 'b.bin')), {
      random: () => 0.99,
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
    expect(waits).toEqual([]);
  });

  it('refuses values outside 0..3600 and non-integers', () => {
    expect(local('x', ['--upload-jitter', String(MAX_UPLOAD_JITTER_SECONDS)]).uploadJitterSeconds).toBe(3600);
    for (const bad of ['-1', '3601', '1.5', 'soon']) {
      expect(() => local('x', [`--upload-jitter=${bad}`])).toThrow(/--upload-jitter must be a whole number/);
    }
  });
});

function doc0InstanceId(): string {
  return parseAgentArgs(['--out', 'x', '--key-file', keyFile]).instanceId;
}
