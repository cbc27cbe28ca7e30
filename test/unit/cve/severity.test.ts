/**
 * The severity of a CVE finding and where it came from (rules/cve/severity.ts): the distribution's rating for
 * the release (Debian: the Security Tracker's urgency), else CVSS (the distribution's record, else the CVE
 * records), else the tracker's NVD-copied `**` urgency, else unrated.
 */
import { describe, expect, it } from 'vitest';
import type { InstalledPackage } from '../../../functions/core/facts/packages';
import type { CveScore } from '../../../functions/feeds/cve-scores';
import { DebianUrgencyBuilder } from '../../../functions/feeds/debian-urgency';
import type { MatchedPackage } from '../../../functions/rules/cve/match';
import { rateMatched, rateVulnerability, trackerUrgencies } from '../../../functions/rules/cve/severity';

const NVD: CveScore = {
  version: '3.1',
  vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H',
  score: 7.5,
  by: 'NVD',
  rank: 43,
};
const USN_CVSS = { version: '3.1', vector: 'CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N', score: 5.5 };

describe('rateVulnerability', () => {
  it('Debian: the tracker’s urgency for the release decides the class; the CVSS score stays the numeric value', () => {
    expect(
      rateVulnerability({ family: 'debian', vendorWords: [], trackerUrgencies: ['low'], recordScore: NVD }),
    ).toEqual({
      severity: 'Low',
      numeric: 7.5,
      basis: 'vendor',
      source: 'debian-tracker urgency low',
      trackerUrgency: 'low',
      cvss: { version: '3.1', vector: NVD.vector, baseScore: 7.5, by: 'NVD' },
    });
    expect(
      rateVulnerability({ family: 'debian', vendorWords: [], trackerUrgencies: ['unimportant'] }),
    ).toMatchObject({
      severity: 'Informational',
      numeric: 0,
      source: 'debian-tracker urgency unimportant',
    });
    // Several source packages: the most severe urgency.
    expect(
      rateVulnerability({
        family: 'debian',
        vendorWords: [],
        trackerUrgencies: ['unimportant', 'high', 'low'],
      }).severity,
    ).toBe('High');
    // The tracker's word wins over an OSV record's urgency (read from an older copy of the same tracker).
    expect(
      rateVulnerability({ family: 'debian', vendorWords: ['high'], trackerUrgencies: ['medium'] }).source,
    ).toBe('debian-tracker urgency medium');
  });

  it('a `**` urgency (NVD’s severity copied by the tracker) yields to a CVSS score and rates only when there is none', () => {
    expect(
      rateVulnerability({ family: 'debian', vendorWords: [], trackerUrgencies: ['low**'], recordScore: NVD }),
    ).toMatchObject({ severity: 'High', numeric: 7.5, basis: 'cvss', source: 'NVD CVSS 3.1 7.5' });
    expect(rateVulnerability({ family: 'debian', vendorWords: [], trackerUrgencies: ['high**'] })).toEqual({
      severity: 'High',
      numeric: 9,
      basis: 'vendor',
      source: 'debian-tracker urgency high** (NVD severity copied by the tracker)',
      trackerUrgency: 'high**',
    });
    // A tracker entry, even a `**` one, is Debian's current word: the OSV record's urgency is not used.
    expect(
      rateVulnerability({ family: 'debian', vendorWords: ['low'], trackerUrgencies: ['medium**'] }).source,
    ).toBe('debian-tracker urgency medium** (NVD severity copied by the tracker)');
  });

  it('other distributions: their own word, named with their term; then the record’s CVSS, then the CVE records’', () => {
    expect(rateVulnerability({ family: 'ubuntu', vendorWords: ['medium'], recordScore: NVD })).toMatchObject({
      severity: 'Medium',
      numeric: 7.5,
      source: 'ubuntu priority medium',
    });
    expect(rateVulnerability({ family: 'almalinux', vendorWords: ['Important'] }).source).toBe(
      'almalinux severity important',
    );
    expect(
      rateVulnerability({
        family: 'ubuntu',
        vendorWords: [],
        advisoryCvss: { cvss: USN_CVSS, advisoryId: 'USN-5614-1' },
        recordScore: NVD,
      }),
    ).toMatchObject({ severity: 'Medium', numeric: 5.5, basis: 'cvss', source: 'USN-5614-1 CVSS 3.1 5.5' });
    expect(rateVulnerability({ family: 'alpine', vendorWords: [], recordScore: NVD })).toMatchObject({
      severity: 'High',
      source: 'NVD CVSS 3.1 7.5',
      cvss: { by: 'NVD' },
    });
    // A word that rates nothing is not a rating.
    expect(rateVulnerability({ family: 'debian', vendorWords: ['unknown'], recordScore: NVD }).basis).toBe(
      'cvss',
    );
  });

  it('unrated only when no source rates it', () => {
    expect(rateVulnerability({ family: 'debian', vendorWords: [], trackerUrgencies: [] })).toEqual({
      severity: 'Medium',
      numeric: 6,
      basis: 'unrated',
      source: 'unrated',
    });
  });
});

describe('the tracker lookup for matched packages', () => {
  const pkg = (name: string, sourceName: string): MatchedPackage => ({
    pkg: { name, version: '1', sourceName, sourceVersion: '1' } as InstalledPackage,
    fixState: 'fixed',
    kernel: false,
  });
  const tracker = new DebianUrgencyBuilder();
  tracker.add('12', 'openssl', 'CVE-2026-84782', 'high');
  tracker.add('12', 'edk2', 'CVE-2026-84782', 'unimportant');
  tracker.add('11', 'openssl', 'CVE-2026-84782', 'low');
  tracker.add('12', 'linux', 'CVE-2099-0100', 'medium');

  it('by the installed binaries’ source packages, in the host’s release; a signed kernel image counts as linux', () => {
    expect(trackerUrgencies(tracker, '12', 'CVE-2026-84782', [pkg('libssl3', 'openssl')])).toEqual(['high']);
    expect(trackerUrgencies(tracker, '11', 'CVE-2026-84782', [pkg('libssl3', 'openssl')])).toEqual(['low']);
    expect(trackerUrgencies(tracker, '13', 'CVE-2026-84782', [pkg('libssl3', 'openssl')])).toEqual([]);
    expect(
      trackerUrgencies(tracker, '12', 'CVE-2099-0100', [
        pkg('linux-image-6.1.0-30-amd64', 'linux-signed-amd64'),
      ]),
    ).toEqual(['medium']);
  });

  it('only on Debian: an Ubuntu host is rated by Ubuntu', () => {
    const threat = { debianUrgency: tracker };
    const p = [pkg('libssl3', 'openssl')];
    expect(
      rateMatched({ family: 'debian', release: '12' }, 'CVE-2026-84782', p, [], undefined, threat).source,
    ).toBe('debian-tracker urgency high');
    expect(
      rateMatched({ family: 'ubuntu', release: '22.04' }, 'CVE-2026-84782', p, ['low'], undefined, threat)
        .source,
    ).toBe('ubuntu priority low');
  });
});
