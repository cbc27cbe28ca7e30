import { describe, expect, it } from 'vitest';
import { livepatchModuleCve, parseLivepatchEnabled } from '../../../functions/parsers/livepatch-sysfs';

describe('/sys/kernel/livepatch/<patch>/enabled', () => {
  it.each([
    ['1\n', true],
    ['1', true],
    ['0\n', false],
    ['', undefined],
    ['yes\n', undefined],
  ])('%j → %s', (text, enabled) => {
    expect(parseLivepatchEnabled(text)).toBe(enabled);
  });
});

describe('patch module names (kpatch list on Amazon Linux)', () => {
  it.each([
    // AL2 user guide, "View the applied kernel live patches"; AL2023 user guide (livepatch_CVE_2022_36946).
    ['livepatch_CVE_2019_20096', 'CVE-2019-20096'],
    ['livepatch_CVE_2020_8648', 'CVE-2020-8648'],
    ['livepatch_CVE_2022_36946', 'CVE-2022-36946'],
    ['livepatch-cve-2024-12345', 'CVE-2024-12345'],
    ['livepatch_cifs_lease_buffer_len', undefined],
    ['kpatch_5_14_0_284_11_1_1_1', undefined],
    ['livepatch_CVE_2019_200961x', undefined],
  ])('%s → %s', (name, cve) => {
    expect(livepatchModuleCve(name)).toBe(cve);
  });
});
