import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { collectTelemetry } from '../../../agent/collect';
import { parseTelemetry } from '../../../functions/core/telemetry';

describe('agent on the real root of this machine', () => {
  it('collects a valid document with the host facts', async () => {
    const doc = parseTelemetry(await collectTelemetry({ runId: 'run-real', instanceId: 'local-test' }));
    expect(doc.host.kernelName).toBe('Linux');
    expect(doc.host.arch).toBeTruthy();
    expect(doc.kernelParameters.status).toBe('ok');
    if (doc.kernelParameters.status === 'ok') {
      expect(doc.kernelParameters.values['kernel.randomize_va_space']).toMatch(/^[012]$/);
      expect(doc.kernelParameters.values['kernel.osrelease']).toBeTruthy();
    }
    expect(doc.files['/proc/cpuinfo']?.status).toBe('ok');
    const osRelease = doc.files['/etc/os-release'] ?? doc.files['/usr/lib/os-release'];
    expect(osRelease?.status).toBe('ok');
    if (existsSync('/var/lib/dpkg/status')) {
      expect(doc.files['/var/lib/dpkg/status']).toMatchObject({ status: 'ok', encoding: 'utf8' });
    }
    for (const dir of ['/etc', '/usr/bin'])
      expect(doc.paths[dir]).toMatchObject({ status: 'ok', type: 'directory' });
    expect(JSON.stringify(doc).length).toBeLessThan(64 * 1024 * 1024);
  });
});
