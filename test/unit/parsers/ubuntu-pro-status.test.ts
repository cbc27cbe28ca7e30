import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { enabledProServices, parseUbuntuProStatus } from '../../../functions/parsers/ubuntu-pro-status';

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
