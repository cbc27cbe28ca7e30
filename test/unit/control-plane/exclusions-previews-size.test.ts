/** A stored exclusions preview stays under DynamoDB's 400 KB item limit, whatever the fleet. */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  MAX_STORED_EXCLUSIONS_BYTES,
  packExclusions,
  unpackExclusions,
} from '../../../functions/adapters/aws/exclusions-previews';
import type { ExclusionView } from '../../../functions/core/control-plane/ports';

const exclusion = (n: number, reason: string): ExclusionView => ({
  title: reason,
  description: `${reason} description`,
  recommendation: 'do something',
  scopes: Array.from({ length: n }, () => ({
    key: 'INSTANCE_ID' as const,
    value: `i-${randomBytes(9).toString('hex').slice(0, 17)}`,
  })),
  attributes: [{ key: 'REASON', value: reason }],
});

describe('packExclusions', () => {
  it('keeps a 10,000-instance preview whole, compressed under the budget', () => {
    const all = [exclusion(10_000, 'NO_AGENT'), exclusion(500, 'AGENT_UNHEALTHY')];
    const packed = packExclusions(all);
    expect(packed.byteLength).toBeLessThan(MAX_STORED_EXCLUSIONS_BYTES);
    expect(unpackExclusions(packed)).toEqual(all);
  });

  it('cuts scopes, and says how many, when a preview would not fit', () => {
    const all = [exclusion(4000, 'NO_AGENT'), exclusion(3, 'AGENT_UNHEALTHY')];
    const packed = packExclusions(all, 20_000);
    expect(packed.byteLength).toBeLessThanOrEqual(20_000);
    const [cut, small] = unpackExclusions(packed);
    expect(cut!.scopes.length).toBeLessThan(4000);
    expect(cut!.scopes).toEqual(all[0]!.scopes.slice(0, cut!.scopes.length));
    expect(cut!.attributes).toContainEqual({
      key: 'SCOPES_OMITTED',
      value: String(4000 - cut!.scopes.length),
    });
    expect(small).toEqual(all[1]);
  });
});
