import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { collectTelemetry } from '../../../agent/collect';
import { parseTelemetryJson } from '../../../functions/core/telemetry';

describe('host configuration material on the real root of this machine', () => {
  it('collects a valid document with redacted accounts, unit state commands and a bounded walk', async () => {
    const t0 = performance.now();
    const doc = await collectTelemetry({
      runId: 'run-real',
      instanceId: 'local-test',
      walk: { maxSeconds: 3, maxEntries: 2_000_000 },
    });
    const elapsed = performance.now() - t0;
    const json = JSON.stringify(doc);
    expect(() => parseTelemetryJson(json)).not.toThrow();
    expect(elapsed).toBeLessThan(30_000);

    // The hash field of every real shadow line is absent from the document.
    if (existsSync('/etc/shadow')) {
      expect(doc.accounts?.shadow).toMatchObject({ status: 'ok' });
      const shadow = doc.accounts?.shadow.status === 'ok' ? doc.accounts.shadow : undefined;
      expect(shadow?.entries.some((e) => e.name === 'root')).toBe(true);
      for (const line of readFileSync('/etc/shadow', 'latin1').split('\n')) {
        const hash = line.split(':')[1] ?? '';
        if (hash.length > 4) expect(json).not.toContain(hash.replace(/^[!*]+/, ''));
      }
    }
    expect(doc.files['/etc/passwd']).toMatchObject({ status: 'ok' });

    // Live host: the commands ran (or their program is missing), none is "not a live host".
    for (const key of ['systemctl-unit-files', 'systemctl-units']) {
      const rec = doc.commands[key];
      expect(rec, key).toBeDefined();
      if (rec?.status === 'missing') expect(rec.reason).not.toBe('not-live-host');
    }
    expect(
      doc.files['/proc/modules']?.status === 'ok' || doc.files['/proc/modules']?.status === 'missing',
    ).toBe(true);
    expect(doc.files['/proc/self/mounts']).toMatchObject({ status: 'ok' });

    const walk = doc.fileSystemWalk;
    expect(walk).toMatchObject({ status: 'ok', mountSource: 'proc-mounts', ownership: { status: 'ok' } });
    if (walk?.status === 'ok') {
      expect(walk.roots).toContain('/');
      expect(walk.entriesVisited).toBeGreaterThan(1000);
      expect(walk.skipped.map((s) => s.path)).toContain('/proc');
      expect(walk.elapsedMs).toBeLessThan(3000 + 1000);
      if (!walk.complete)
        expect(doc.warnings.some((w) => w.startsWith('file system walk stopped'))).toBe(true);
    }

    const modulesDir = `/lib/modules/${os.release()}`;
    if (existsSync(modulesDir)) {
      expect(doc.kernelModules).toMatchObject({ status: 'ok' });
    } else if (!existsSync('/lib/modules')) {
      expect(doc.kernelModules).toMatchObject({ status: 'missing', reason: 'not-found' });
    }
  }, 60_000);
});
