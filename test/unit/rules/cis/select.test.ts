/** Benchmark selection from real os-release files (test/fixtures/os-release, see its README). */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseOsRelease } from '../../../../functions/parsers/os-release';
import { selectBenchmark } from '../../../../functions/rules/cis/select';

const osRelease = (name: string) =>
  parseOsRelease(readFileSync(new URL(`../../../fixtures/os-release/${name}`, import.meta.url), 'utf8'));

describe('selectBenchmark', () => {
  it.each([
    ['ubuntu-22.04', 'ubuntu2204', undefined],
    ['ubuntu-24.04', 'ubuntu2404', undefined],
    ['debian-12', 'debian12', undefined],
    ['amzn-2', 'al2', 'derived from the RHEL 7 mapping (no upstream AL2 mapping)'],
    ['amzn-2023', 'al2023', undefined],
    ['rhel-8', 'rhel8', undefined],
    ['rhel-9', 'rhel9', undefined],
    ['almalinux-9', 'almalinux9', undefined],
    ['rocky-8', 'rhel8', 'RHEL 8 mapping'],
    ['rocky-9', 'almalinux9', 'AlmaLinux 9 mapping'],
  ])('%s → %s', (file, benchmark, basis) => {
    const choice = selectBenchmark(osRelease(file));
    expect(choice).toEqual(basis ? { ok: true, benchmark, basis } : { ok: true, benchmark });
  });

  it.each([
    ['fedora-40', /no CIS benchmark for Fedora Linux 40 \(Server Edition\) \(ID=fedora, VERSION_ID=40\)/],
    ['alpine-3.20', /no CIS benchmark for Alpine Linux v3\.20 \(ID=alpine, VERSION_ID=3\.20\.3\)/],
    ['ubuntu-20.04', /no CIS benchmark for Ubuntu 20\.04\.6 LTS/],
  ])('%s has no benchmark, with the reason', (file, reason) => {
    const choice = selectBenchmark(osRelease(file));
    expect(choice.ok).toBe(false);
    if (!choice.ok) {
      expect(choice.reason).toMatch(reason);
      expect(choice.reason).toMatch(/supported: Ubuntu 22\.04 and 24\.04, Debian 12/);
    }
  });

  it('an os-release without ID or VERSION_ID has no benchmark', () => {
    expect(selectBenchmark({}).ok).toBe(false);
    expect(selectBenchmark({ ID: 'ubuntu' }).ok).toBe(false);
  });
});
