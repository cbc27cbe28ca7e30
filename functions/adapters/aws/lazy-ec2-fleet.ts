/**
 * The EC2 fleet, with @aws-sdk/client-ec2 loaded on the first call instead of at module load. The EC2 client
 * is by far the largest of the SDK (measured by `npx tsx bench/bundles.ts`: ~150 ms and ~50 MB to load,
 * more than every other client the lifecycle uses together), and only StartRun and a few control-plane
 * operations ask EC2 anything: the other Lambdas that build the dependencies no longer pay for it at init.
 * Nothing else in a bundle may import ec2-fleet.ts or the EC2 client statically, or the laziness is lost
 * (test/infra/bundle-init.test.ts loads each built bundle and checks which SDK clients its init required).
 */
import type { TargetTag } from '../../core/assessment';
import type { Fleet, FleetInstance } from '../../ports/fleet';
import { awsClientConfig } from './client-config';

export function lazyEc2Fleet(): Fleet {
  let fleet: Promise<Fleet> | undefined;
  const load = (): Promise<Fleet> => {
    if (!fleet) {
      fleet = Promise.all([import('@aws-sdk/client-ec2'), import('./ec2-fleet')]).then(
        ([{ EC2Client }, { Ec2Fleet }]) => new Ec2Fleet(new EC2Client(awsClientConfig())),
      );
      // A failed load (it should not: the runtime ships the SDK) is tried again on the next call.
      fleet.catch(() => {
        fleet = undefined;
      });
    }
    return fleet;
  };
  return {
    async findInstances(tags: readonly TargetTag[]): Promise<FleetInstance[]> {
      return (await load()).findInstances(tags);
    },
  };
}
