/**
 * Fleet over EC2 DescribeInstances. EC2 ANDs filters of different names, while a target matches an
 * instance having ANY of its keys: one paginated call per key, results merged.
 */
import { DescribeInstancesCommand, type EC2Client, type Filter } from '@aws-sdk/client-ec2';
import type { TargetTag } from '../../core/assessment';
import type { Fleet, FleetInstance } from '../../ports/fleet';

export class Ec2Fleet implements Fleet {
  constructor(private readonly ec2: EC2Client) {}

  async findInstances(tags: readonly TargetTag[]): Promise<FleetInstance[]> {
    const running: Filter = { Name: 'instance-state-name', Values: ['running'] };
    const queries: Filter[][] =
      tags.length === 0
        ? [[running]]
        : tags.map((t) => [
            running,
            t.values && t.values.length > 0
              ? { Name: `tag:${t.key}`, Values: t.values }
              : { Name: 'tag-key', Values: [t.key] },
          ]);
    const found = new Map<string, FleetInstance>();
    for (const Filters of queries) {
      let NextToken: string | undefined;
      do {
        const out = await this.ec2.send(
          new DescribeInstancesCommand({ Filters, NextToken, MaxResults: 1000 }),
        );
        for (const r of out.Reservations ?? []) {
          for (const i of r.Instances ?? []) {
            if (!i.InstanceId || found.has(i.InstanceId)) continue;
            const inst: FleetInstance = {
              instanceId: i.InstanceId,
              state: i.State?.Name ?? 'unknown',
              tags: (i.Tags ?? []).flatMap((t) =>
                t.Key !== undefined ? [{ key: t.Key, value: t.Value ?? '' }] : [],
              ),
            };
            const platform = i.PlatformDetails ?? i.Platform;
            if (platform) inst.platform = platform;
            if (i.Architecture) inst.architecture = i.Architecture;
            found.set(i.InstanceId, inst);
          }
        }
        NextToken = out.NextToken;
      } while (NextToken);
    }
    return [...found.values()].sort((a, b) => (a.instanceId < b.instanceId ? -1 : 1));
  }
}
