import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  enabledProServices,
  parseUbuntuProStatus,
  proContractExpired,
} from '../../../functions/parsers/ubuntu-pro-status';

const fixture = (name: string): string =>
  readFileSync(new URL(`../../fixtures/cve-extra/ubuntu-pro/${name}`, import.meta.url), 'utf8');

describe('parseUbuntuProStatus (the Pro client status cache, /var/lib/ubuntu-advantage/status.json)', () => {
  it.each([
    ['status-attached-jammy.json', true, ['esm-apps', 'esm-infra'], '32.3~22.04'],
    ['status-attached-esm-apps-disabled-jammy.json', true, ['esm-infra'], '32.3~22.04'],
    ['status-unattached-jammy.json', false, [], '32.3~22.04'],
  ])('%s: attached %s, enabled %j', (file, attached, enabled, version) => {
    const r = parseUbuntuProStatus(fixture(file));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.attached).toBe(attached);
    expect(r.value.clientVersion).toBe(version);
    expect(enabledProServices(r.value)).toEqual(enabled);
  });

  it('unattached machines list services with `available` only: nothing is enabled', () => {
    const r = parseUbuntuProStatus(fixture('status-unattached-jammy.json'));
    expect(r.ok && r.value.services.map((s) => [s.name, s.status])).toEqual([
      ['esm-apps', undefined],
      ['esm-infra', undefined],
      ['livepatch', undefined],
    ]);
  });

  it('a service marked enabled does not count while the machine is not attached', () => {
    const r = parseUbuntuProStatus(
      '{"attached": false, "services": [{"name": "esm-apps", "status": "enabled"}]}',
    );
    expect(r.ok && enabledProServices(r.value)).toEqual([]);
  });

  it('`expires` (the contract end, an isoformat datetime): past the collection time, nothing counts as enabled', () => {
    const r = parseUbuntuProStatus(fixture('status-attached-expired-jammy.json'));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value).toMatchObject({ attached: true, expires: '2025-04-10T09:12:44+00:00' });
    expect(r.value.expiresMs).toBe(Date.UTC(2025, 3, 10, 9, 12, 44));
    // Still "enabled" in the cache; not usable after the end date.
    expect(enabledProServices(r.value)).toEqual(['esm-apps', 'esm-infra']);
    expect(enabledProServices(r.value, '2025-04-10T09:12:43Z')).toEqual(['esm-apps', 'esm-infra']);
    expect(proContractExpired(r.value, '2025-04-10T09:12:44Z')).toBe(true);
    expect(enabledProServices(r.value, '2026-12-02T07:50:00.000Z')).toEqual([]);
  });

  it.each([
    ['9999-12-31T00:00:00+00:00', Date.UTC(9999, 11, 31)],
    ['2100-06-09T18:14:55.323733+00:00', Date.UTC(2100, 5, 9, 18, 14, 55, 323)],
    ['2030-01-01T02:00:00+0200', Date.UTC(2030, 0, 1)],
    ['2030-01-01T00:00:00', Date.UTC(2030, 0, 1)],
    ['2030-01-01', Date.UTC(2030, 0, 1)],
    ['n/a', undefined],
    ['soon', undefined],
  ])('expires %j → %s ms', (expires, ms) => {
    const r = parseUbuntuProStatus(JSON.stringify({ attached: true, expires, services: [] }));
    expect(r.ok && r.value.expiresMs).toBe(ms);
  });

  it('no end date (null, "n/a", unparsable) or no collection time: not expired', () => {
    for (const expires of [null, 'n/a', 'soon']) {
      const r = parseUbuntuProStatus(
        JSON.stringify({ attached: true, expires, services: [{ name: 'esm-apps', status: 'enabled' }] }),
      );
      expect(r.ok && enabledProServices(r.value, '2026-12-02T00:00:00Z')).toEqual(['esm-apps']);
    }
    const r = parseUbuntuProStatus(fixture('status-attached-expired-jammy.json'));
    expect(r.ok && proContractExpired(r.value, undefined)).toBe(false);
    expect(parseUbuntuProStatus(fixture('status-attached-jammy.json')).ok).toBe(true);
    const live = parseUbuntuProStatus(fixture('status-attached-jammy.json'));
    expect(live.ok && enabledProServices(live.value, '2026-12-02T00:00:00Z')).toEqual([
      'esm-apps',
      'esm-infra',
    ]);
  });

  it.each([
    ['not JSON', '{', /not JSON/],
    ['a list', '[]', /not a JSON object/],
    ['no attached flag', '{"services": []}', /"attached" is not true or false/],
    ['services not a list', '{"attached": true, "services": {}}', /"services" is not a list/],
  ])('%s is an error', (_what, text, message) => {
    const r = parseUbuntuProStatus(text);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatch(message);
  });
});
