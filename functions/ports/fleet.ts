import type { TargetTag } from '../core/assessment';

export interface FleetInstance {
  instanceId: string;
  /** EC2 state name: pending, running, stopping, stopped... */
  state: string;
  tags: Array<{ key: string; value: string }>;
  platform?: string;
  /** EC2 `Architecture`: x86_64, arm64, i386, x86_64_mac, arm64_mac. */
  architecture?: string;
}

/** EC2: the instances a target's tags select. */
export interface Fleet {
  /** Running instances matching the target (no tags: every running instance). */
  findInstances(tags: readonly TargetTag[]): Promise<FleetInstance[]>;
}

export interface AgentInfo {
  instanceId: string;
  /** SSM PingStatus: Online, ConnectionLost, Inactive. */
  pingStatus: string;
  platformType?: string;
  platformName?: string;
  platformVersion?: string;
  agentVersion?: string;
}

/** SSM instance information: which instances have a reachable SSM agent. */
export interface AgentFleet {
  /** Agent information for the instances that have one; instances without an agent are absent. */
  describe(instanceIds: readonly string[]): Promise<AgentInfo[]>;
}
