/**
 * A directory of AWS CLI outputs → NetworkConfig. One file per describe call, named after the command
 * (`describe-security-groups.json`, `elbv2-describe-listeners.json`…), exactly as `aws … --output json`
 * prints it. Paged or repeated outputs are merged: a file may hold several JSON documents one after the
 * other (outputs appended with `>>`), or one JSON array of documents; their lists are concatenated. A file
 * that is absent means "none of that resource"; one that is not JSON, or not the output of its command, is
 * refused with a one-line error naming the file (and the document and member at fault).
 */
import type * as z from 'zod';
import {
  classicLoadBalancerSchema,
  emptyNetworkConfig,
  instanceSchema,
  internetGatewaySchema,
  listenerSchema,
  loadBalancerV2Schema,
  managedPrefixListSchema,
  type NetworkConfig,
  networkAclSchema,
  networkInterfaceSchema,
  prefixListEntriesSchema,
  routeTableSchema,
  securityGroupSchema,
  subnetSchema,
  targetGroupSchema,
  targetHealthSchema,
  vpcPeeringConnectionSchema,
  vpcSchema,
  vpnGatewaySchema,
} from './aws-config';

export class NetworkConfigError extends Error {
  override readonly name = 'NetworkConfigError';
}

export interface FileSpec {
  file: string;
  /** The command that writes it (README and --help list these). */
  command: string;
  key: keyof NetworkConfig;
  /** The list member of each output document; undefined when the document itself is the item. */
  member?: string;
  schema: z.ZodType;
}

export const CLI_OUTPUT_FILES: readonly FileSpec[] = [
  {
    file: 'describe-instances.json',
    command: 'aws ec2 describe-instances',
    key: 'instances',
    member: 'Reservations',
    schema: instanceSchema,
  },
  {
    file: 'describe-network-interfaces.json',
    command: 'aws ec2 describe-network-interfaces',
    key: 'networkInterfaces',
    member: 'NetworkInterfaces',
    schema: networkInterfaceSchema,
  },
  {
    file: 'describe-security-groups.json',
    command: 'aws ec2 describe-security-groups',
    key: 'securityGroups',
    member: 'SecurityGroups',
    schema: securityGroupSchema,
  },
  {
    file: 'describe-network-acls.json',
    command: 'aws ec2 describe-network-acls',
    key: 'networkAcls',
    member: 'NetworkAcls',
    schema: networkAclSchema,
  },
  {
    file: 'describe-route-tables.json',
    command: 'aws ec2 describe-route-tables',
    key: 'routeTables',
    member: 'RouteTables',
    schema: routeTableSchema,
  },
  {
    file: 'describe-subnets.json',
    command: 'aws ec2 describe-subnets',
    key: 'subnets',
    member: 'Subnets',
    schema: subnetSchema,
  },
  {
    file: 'describe-vpcs.json',
    command: 'aws ec2 describe-vpcs',
    key: 'vpcs',
    member: 'Vpcs',
    schema: vpcSchema,
  },
  {
    file: 'describe-internet-gateways.json',
    command: 'aws ec2 describe-internet-gateways',
    key: 'internetGateways',
    member: 'InternetGateways',
    schema: internetGatewaySchema,
  },
  {
    file: 'describe-vpn-gateways.json',
    command: 'aws ec2 describe-vpn-gateways',
    key: 'vpnGateways',
    member: 'VpnGateways',
    schema: vpnGatewaySchema,
  },
  {
    file: 'describe-vpc-peering-connections.json',
    command: 'aws ec2 describe-vpc-peering-connections',
    key: 'vpcPeeringConnections',
    member: 'VpcPeeringConnections',
    schema: vpcPeeringConnectionSchema,
  },
  {
    file: 'describe-managed-prefix-lists.json',
    command: 'aws ec2 describe-managed-prefix-lists',
    key: 'managedPrefixLists',
    member: 'PrefixLists',
    schema: managedPrefixListSchema,
  },
  {
    file: 'get-managed-prefix-list-entries.json',
    command: 'aws ec2 get-managed-prefix-list-entries --prefix-list-id ID (with "PrefixListId" added)',
    key: 'prefixListEntries',
    schema: prefixListEntriesSchema,
  },
  {
    file: 'elbv2-describe-load-balancers.json',
    command: 'aws elbv2 describe-load-balancers',
    key: 'loadBalancers',
    member: 'LoadBalancers',
    schema: loadBalancerV2Schema,
  },
  {
    file: 'elbv2-describe-listeners.json',
    command: 'aws elbv2 describe-listeners --load-balancer-arn ARN',
    key: 'listeners',
    member: 'Listeners',
    schema: listenerSchema,
  },
  {
    file: 'elbv2-describe-target-groups.json',
    command: 'aws elbv2 describe-target-groups',
    key: 'targetGroups',
    member: 'TargetGroups',
    schema: targetGroupSchema,
  },
  {
    file: 'elbv2-describe-target-health.json',
    command: 'aws elbv2 describe-target-health --target-group-arn ARN (with "TargetGroupArn" added)',
    key: 'targetHealth',
    schema: targetHealthSchema,
  },
  {
    file: 'elb-describe-load-balancers.json',
    command: 'aws elb describe-load-balancers',
    key: 'classicLoadBalancers',
    member: 'LoadBalancerDescriptions',
    schema: classicLoadBalancerSchema,
  },
];

/** Largest file read (a real account's describe-instances of thousands of instances is tens of MB). */
export const MAX_CLI_OUTPUT_BYTES = 512 * 1024 * 1024;

/**
 * The JSON documents of a text holding one or more of them one after the other (whitespace between).
 * A top-level array is a list of documents. Throws a message (without the file name) on bad JSON.
 */
export function splitJsonDocuments(text: string): unknown[] {
  const docs: unknown[] = [];
  let i = 0;
  const n = text.length;
  const isSpace = (c: number) => c === 32 || c === 9 || c === 10 || c === 13 || c === 0xfeff;
  while (i < n) {
    while (i < n && isSpace(text.charCodeAt(i))) i++;
    if (i >= n) break;
    const start = i;
    const open = text[i];
    if (open !== '{' && open !== '[') {
      throw new Error(
        `document ${docs.length + 1} does not start with { or [ (found ${JSON.stringify(text.slice(i, i + 20))})`,
      );
    }
    let depth = 0;
    let inString = false;
    for (; i < n; i++) {
      const c = text[i];
      if (inString) {
        if (c === '\\') i++;
        else if (c === '"') inString = false;
      } else if (c === '"') inString = true;
      else if (c === '{' || c === '[') depth++;
      else if (c === '}' || c === ']') {
        depth--;
        if (depth === 0) {
          i++;
          break;
        }
      }
    }
    if (depth !== 0) throw new Error(`document ${docs.length + 1} is not complete (the file ends inside it)`);
    let value: unknown;
    try {
      value = JSON.parse(text.slice(start, i));
    } catch (err) {
      throw new Error(`document ${docs.length + 1} is not JSON: ${(err as Error).message}`);
    }
    if (Array.isArray(value)) docs.push(...value);
    else docs.push(value);
  }
  return docs;
}

function issuePath(path: ReadonlyArray<PropertyKey>): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
}

/** The items of one file's text; throws NetworkConfigError naming the file. */
export function parseCliOutput(spec: FileSpec, text: string): unknown[] {
  const fail = (why: string): never => {
    throw new NetworkConfigError(`${spec.file}: ${why.split('\n')[0]}`);
  };
  let docs: unknown[] = [];
  try {
    docs = splitJsonDocuments(text);
  } catch (err) {
    fail((err as Error).message);
  }
  const items: unknown[] = [];
  docs.forEach((doc, d) => {
    items.push(...documentItems(spec, doc, d + 1));
  });
  return items;
}

/**
 * The configuration of a directory's files, given as name → text (undefined: the file is absent). Files of
 * other names are not read. Returns which files were present, for the run's evidence.
 */
export function networkConfigFromCliOutputs(files: ReadonlyMap<string, string>): {
  config: NetworkConfig;
  present: string[];
} {
  const config = emptyNetworkConfig();
  const present: string[] = [];
  for (const spec of CLI_OUTPUT_FILES) {
    const text = files.get(spec.file);
    if (text === undefined) continue;
    present.push(spec.file);
    (config[spec.key] as unknown[]).push(...parseCliOutput(spec, text));
  }
  return { config, present };
}

/**
 * The items of one output document (a CLI output, or an SDK response page: the same members); throws
 * NetworkConfigError naming the file, the document and the member at fault.
 */
export function documentItems(spec: FileSpec, doc: unknown, n: number): unknown[] {
  const fail = (why: string): never => {
    throw new NetworkConfigError(`${spec.file}: ${why.split('\n')[0]}`);
  };
  const items: unknown[] = [];
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) fail(`document ${n} is not a JSON object`);
  let list: unknown[];
  let where: string;
  if (spec.member) {
    const raw = (doc as Record<string, unknown>)[spec.member];
    if (!Array.isArray(raw))
      fail(`document ${n} has no "${spec.member}" list: is this the output of \`${spec.command}\`?`);
    where = spec.member;
    list = raw as unknown[];
    if (spec.key === 'instances') {
      // Reservations[].Instances[]
      const instances: unknown[] = [];
      list.forEach((r, ri) => {
        const inner = (r as Record<string, unknown> | null)?.Instances;
        if (!Array.isArray(inner)) fail(`document ${n}: Reservations[${ri}] has no "Instances" list`);
        instances.push(...(inner as unknown[]));
      });
      list = instances;
      where = 'Reservations[].Instances';
    }
  } else {
    list = [doc];
    where = '';
  }
  list.forEach((item, k) => {
    const r = spec.schema.safeParse(item);
    if (!r.success) {
      const issue = r.error.issues[0]!;
      const at = `${where}${spec.member ? `[${k}]` : ''}${issuePath(issue.path)}`.replace(/^\./, '');
      fail(`document ${n}: ${at}: ${issue.message}`);
    }
    items.push(r.data);
  });
  return items;
}
