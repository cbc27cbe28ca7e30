/**
 * The EC2 and Elastic Load Balancing configuration the path evaluator reads, in the shapes the AWS CLI
 * prints (`aws ec2 describe-… --output json`) and the SDK returns (PascalCase members, as in the EC2 and
 * ELB APIs). Only the members the evaluator uses are declared; every other member is kept and ignored.
 * Each schema checks the types of what it declares, so a file of another command, or a hand-edited one
 * with a wrong type, is refused with the path of the first bad member instead of being half read.
 */
import * as z from 'zod';

const str = z.string();
const opt = <T extends z.ZodType>(t: T) => t.optional().nullable();
const tag = z.looseObject({ Key: opt(str), Value: opt(str) });

const groupIdentifier = z.looseObject({ GroupId: opt(str), GroupName: opt(str) });
const privateIp = z.looseObject({
  PrivateIpAddress: opt(str),
  Primary: opt(z.boolean()),
  Association: opt(z.looseObject({ PublicIp: opt(str) })),
});
const ipv6Address = z.looseObject({ Ipv6Address: opt(str) });

export const instanceNetworkInterfaceSchema = z.looseObject({
  NetworkInterfaceId: str,
  SubnetId: opt(str),
  VpcId: opt(str),
  Groups: opt(z.array(groupIdentifier)),
  PrivateIpAddress: opt(str),
  PrivateIpAddresses: opt(z.array(privateIp)),
  Ipv6Addresses: opt(z.array(ipv6Address)),
  Association: opt(z.looseObject({ PublicIp: opt(str) })),
  Attachment: opt(z.looseObject({ DeviceIndex: opt(z.number()), InstanceId: opt(str) })),
});

export const instanceSchema = z.looseObject({
  InstanceId: str,
  State: opt(z.looseObject({ Name: opt(str) })),
  SubnetId: opt(str),
  VpcId: opt(str),
  PrivateIpAddress: opt(str),
  PublicIpAddress: opt(str),
  Platform: opt(str),
  PlatformDetails: opt(str),
  Tags: opt(z.array(tag)),
  NetworkInterfaces: opt(z.array(instanceNetworkInterfaceSchema)),
});

export const networkInterfaceSchema = z.looseObject({
  NetworkInterfaceId: str,
  SubnetId: opt(str),
  VpcId: opt(str),
  InterfaceType: opt(str),
  Description: opt(str),
  RequesterId: opt(str),
  Groups: opt(z.array(groupIdentifier)),
  PrivateIpAddress: opt(str),
  PrivateIpAddresses: opt(z.array(privateIp)),
  Ipv6Addresses: opt(z.array(ipv6Address)),
  Association: opt(z.looseObject({ PublicIp: opt(str) })),
  Attachment: opt(z.looseObject({ DeviceIndex: opt(z.number()), InstanceId: opt(str) })),
});

const ipPermission = z.looseObject({
  IpProtocol: str,
  FromPort: opt(z.number()),
  ToPort: opt(z.number()),
  IpRanges: opt(z.array(z.looseObject({ CidrIp: opt(str), Description: opt(str) }))),
  Ipv6Ranges: opt(z.array(z.looseObject({ CidrIpv6: opt(str), Description: opt(str) }))),
  PrefixListIds: opt(z.array(z.looseObject({ PrefixListId: opt(str) }))),
  UserIdGroupPairs: opt(
    z.array(
      z.looseObject({
        GroupId: opt(str),
        UserId: opt(str),
        VpcId: opt(str),
        VpcPeeringConnectionId: opt(str),
      }),
    ),
  ),
});
export type IpPermission = z.infer<typeof ipPermission>;

export const securityGroupSchema = z.looseObject({
  GroupId: str,
  GroupName: opt(str),
  VpcId: opt(str),
  IpPermissions: opt(z.array(ipPermission)),
  IpPermissionsEgress: opt(z.array(ipPermission)),
});

export const networkAclEntrySchema = z.looseObject({
  RuleNumber: z.number(),
  Protocol: str,
  RuleAction: str,
  Egress: z.boolean(),
  CidrBlock: opt(str),
  Ipv6CidrBlock: opt(str),
  PortRange: opt(z.looseObject({ From: opt(z.number()), To: opt(z.number()) })),
  IcmpTypeCode: opt(z.looseObject({ Type: opt(z.number()), Code: opt(z.number()) })),
});
export type NetworkAclEntry = z.infer<typeof networkAclEntrySchema>;

export const networkAclSchema = z.looseObject({
  NetworkAclId: str,
  VpcId: opt(str),
  IsDefault: opt(z.boolean()),
  Entries: opt(z.array(networkAclEntrySchema)),
  Associations: opt(z.array(z.looseObject({ SubnetId: opt(str), NetworkAclId: opt(str) }))),
});

export const routeSchema = z.looseObject({
  DestinationCidrBlock: opt(str),
  DestinationIpv6CidrBlock: opt(str),
  DestinationPrefixListId: opt(str),
  GatewayId: opt(str),
  VpcPeeringConnectionId: opt(str),
  NatGatewayId: opt(str),
  TransitGatewayId: opt(str),
  InstanceId: opt(str),
  NetworkInterfaceId: opt(str),
  EgressOnlyInternetGatewayId: opt(str),
  LocalGatewayId: opt(str),
  CarrierGatewayId: opt(str),
  CoreNetworkArn: opt(str),
  State: opt(str),
  Origin: opt(str),
});
export type Route = z.infer<typeof routeSchema>;

export const routeTableSchema = z.looseObject({
  RouteTableId: str,
  VpcId: opt(str),
  Routes: opt(z.array(routeSchema)),
  Associations: opt(
    z.array(z.looseObject({ Main: opt(z.boolean()), SubnetId: opt(str), GatewayId: opt(str) })),
  ),
});

const cidrAssociation = z.looseObject({ CidrBlock: opt(str) });
const ipv6CidrAssociation = z.looseObject({ Ipv6CidrBlock: opt(str) });

export const subnetSchema = z.looseObject({
  SubnetId: str,
  VpcId: opt(str),
  CidrBlock: opt(str),
  Ipv6CidrBlockAssociationSet: opt(z.array(ipv6CidrAssociation)),
});

export const vpcSchema = z.looseObject({
  VpcId: str,
  CidrBlock: opt(str),
  CidrBlockAssociationSet: opt(z.array(cidrAssociation)),
  Ipv6CidrBlockAssociationSet: opt(z.array(ipv6CidrAssociation)),
});

export const internetGatewaySchema = z.looseObject({
  InternetGatewayId: str,
  Attachments: opt(z.array(z.looseObject({ VpcId: opt(str), State: opt(str) }))),
});

export const vpnGatewaySchema = z.looseObject({
  VpnGatewayId: str,
  State: opt(str),
  VpcAttachments: opt(z.array(z.looseObject({ VpcId: opt(str), State: opt(str) }))),
});

const peeringVpcInfo = z.looseObject({
  VpcId: opt(str),
  OwnerId: opt(str),
  Region: opt(str),
  CidrBlock: opt(str),
  CidrBlockSet: opt(z.array(cidrAssociation)),
  Ipv6CidrBlockSet: opt(z.array(ipv6CidrAssociation)),
});
export const vpcPeeringConnectionSchema = z.looseObject({
  VpcPeeringConnectionId: str,
  Status: opt(z.looseObject({ Code: opt(str) })),
  AccepterVpcInfo: opt(peeringVpcInfo),
  RequesterVpcInfo: opt(peeringVpcInfo),
});

export const managedPrefixListSchema = z.looseObject({
  PrefixListId: str,
  PrefixListName: opt(str),
  AddressFamily: opt(str),
});

/** `aws ec2 get-managed-prefix-list-entries --prefix-list-id ID`, with the list's id added to the output. */
export const prefixListEntriesSchema = z.looseObject({
  PrefixListId: str,
  Entries: z.array(z.looseObject({ Cidr: str })),
});

export const loadBalancerV2Schema = z.looseObject({
  LoadBalancerArn: str,
  LoadBalancerName: opt(str),
  Scheme: opt(str),
  Type: opt(str),
  VpcId: opt(str),
  SecurityGroups: opt(z.array(str)),
  AvailabilityZones: opt(z.array(z.looseObject({ SubnetId: opt(str), ZoneName: opt(str) }))),
  State: opt(z.looseObject({ Code: opt(str) })),
});

const action = z.looseObject({
  Type: opt(str),
  TargetGroupArn: opt(str),
  ForwardConfig: opt(
    z.looseObject({ TargetGroups: opt(z.array(z.looseObject({ TargetGroupArn: opt(str) }))) }),
  ),
});
export const listenerSchema = z.looseObject({
  ListenerArn: str,
  LoadBalancerArn: str,
  Port: opt(z.number()),
  Protocol: opt(str),
  DefaultActions: opt(z.array(action)),
});

export const targetGroupSchema = z.looseObject({
  TargetGroupArn: str,
  TargetGroupName: opt(str),
  Protocol: opt(str),
  Port: opt(z.number()),
  VpcId: opt(str),
  TargetType: opt(str),
  LoadBalancerArns: opt(z.array(str)),
});

/** `aws elbv2 describe-target-health --target-group-arn ARN`, with the target group's ARN added to the output. */
export const targetHealthSchema = z.looseObject({
  TargetGroupArn: str,
  TargetHealthDescriptions: z.array(
    z.looseObject({
      Target: z.looseObject({ Id: str, Port: opt(z.number()), AvailabilityZone: opt(str) }),
      TargetHealth: opt(z.looseObject({ State: opt(str) })),
    }),
  ),
});

export const classicLoadBalancerSchema = z.looseObject({
  LoadBalancerName: str,
  Scheme: opt(str),
  VPCId: opt(str),
  Subnets: opt(z.array(str)),
  SecurityGroups: opt(z.array(str)),
  Instances: opt(z.array(z.looseObject({ InstanceId: opt(str) }))),
  ListenerDescriptions: opt(
    z.array(
      z.looseObject({
        Listener: z.looseObject({
          Protocol: opt(str),
          LoadBalancerPort: z.number(),
          InstanceProtocol: opt(str),
          InstancePort: z.number(),
        }),
      }),
    ),
  ),
});

export type Instance = z.infer<typeof instanceSchema>;
export type NetworkInterface = z.infer<typeof networkInterfaceSchema>;
export type SecurityGroup = z.infer<typeof securityGroupSchema>;
export type NetworkAcl = z.infer<typeof networkAclSchema>;
export type RouteTable = z.infer<typeof routeTableSchema>;
export type Subnet = z.infer<typeof subnetSchema>;
export type Vpc = z.infer<typeof vpcSchema>;
export type InternetGateway = z.infer<typeof internetGatewaySchema>;
export type VpnGateway = z.infer<typeof vpnGatewaySchema>;
export type VpcPeeringConnection = z.infer<typeof vpcPeeringConnectionSchema>;
export type ManagedPrefixList = z.infer<typeof managedPrefixListSchema>;
export type PrefixListEntries = z.infer<typeof prefixListEntriesSchema>;
export type LoadBalancerV2 = z.infer<typeof loadBalancerV2Schema>;
export type Listener = z.infer<typeof listenerSchema>;
export type TargetGroup = z.infer<typeof targetGroupSchema>;
export type TargetHealth = z.infer<typeof targetHealthSchema>;
export type ClassicLoadBalancer = z.infer<typeof classicLoadBalancerSchema>;

/** Everything the evaluator reads: each member is the merged list of one describe call's outputs. */
export interface NetworkConfig {
  instances: Instance[];
  networkInterfaces: NetworkInterface[];
  securityGroups: SecurityGroup[];
  networkAcls: NetworkAcl[];
  routeTables: RouteTable[];
  subnets: Subnet[];
  vpcs: Vpc[];
  internetGateways: InternetGateway[];
  vpnGateways: VpnGateway[];
  vpcPeeringConnections: VpcPeeringConnection[];
  managedPrefixLists: ManagedPrefixList[];
  prefixListEntries: PrefixListEntries[];
  loadBalancers: LoadBalancerV2[];
  listeners: Listener[];
  targetGroups: TargetGroup[];
  targetHealth: TargetHealth[];
  classicLoadBalancers: ClassicLoadBalancer[];
}

export function emptyNetworkConfig(): NetworkConfig {
  return {
    instances: [],
    networkInterfaces: [],
    securityGroups: [],
    networkAcls: [],
    routeTables: [],
    subnets: [],
    vpcs: [],
    internetGateways: [],
    vpnGateways: [],
    vpcPeeringConnections: [],
    managedPrefixLists: [],
    prefixListEntries: [],
    loadBalancers: [],
    listeners: [],
    targetGroups: [],
    targetHealth: [],
    classicLoadBalancers: [],
  };
}
