import { describe, expect, it } from 'vitest';
import { bestCvss, cvss2BaseScore, cvss3BaseScore, cvssFromOsv } from '../../../functions/feeds/cvss';

describe('CVSS base scores from vectors', () => {
  it.each([
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 9.8],
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H', 10],
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H', 7.5],
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:N', 7.5],
    ['CVSS:3.0/AV:L/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L', 4.0],
    ['CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:L/I:L/A:H', 6.6],
    ['CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N', 5.9],
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N', 6.1],
    ['CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N', 5.5],
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N', 0],
  ])('%s = %d', (vector, score) => {
    expect(cvss3BaseScore(vector)).toBe(score);
  });

  it('rejects incomplete or unknown vectors', () => {
    expect(cvss3BaseScore('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H')).toBeUndefined();
    expect(cvss3BaseScore('CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H')).toBeUndefined();
    expect(cvss3BaseScore('CVSS:2.0/AV:N')).toBeUndefined();
  });

  it.each([
    ['AV:N/AC:L/Au:N/C:P/I:P/A:P', 7.5],
    ['AV:N/AC:M/Au:N/C:N/I:P/A:N', 4.3],
    ['(AV:N/AC:L/Au:N/C:C/I:C/A:C)', 10],
    ['AV:L/AC:L/Au:N/C:N/I:N/A:N', 0],
  ])('v2 %s = %d', (vector, score) => {
    expect(cvss2BaseScore(vector)).toBe(score);
  });

  it('reads OSV severity entries and prefers the newest scored version', () => {
    const v3 = cvssFromOsv('CVSS_V3', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H');
    const v2 = cvssFromOsv('CVSS_V2', 'AV:N/AC:L/Au:N/C:P/I:P/A:P');
    const v4 = cvssFromOsv('CVSS_V4', 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N');
    expect(v3).toEqual({
      version: '3.1',
      vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
      score: 9.8,
    });
    expect(v4?.score).toBeUndefined();
    expect(bestCvss([v4!, v2!, v3!])).toBe(v3);
    expect(bestCvss([v4!, v2!])).toBe(v2);
    expect(cvssFromOsv('Ubuntu', 'medium')).toBeUndefined();
  });
});
