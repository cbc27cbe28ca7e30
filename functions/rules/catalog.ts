/**
 * The rules packages this product knows: one catalogue for the CLI, the registry and the control plane
 * (list/describe-rules-packages, template validation). Metadata only, so the control-plane Lambdas do not
 * bundle the rules themselves; test/unit/rules/catalog.test.ts checks it against the packages.
 */
export interface RulesPackageInfo {
  id: string;
  name: string;
  version: string;
  provider: string;
  description: string;
  /** Whether the package needs the agent on the instance (network reachability does not). */
  requiresAgent: boolean;
  /** False for packages announced in the vocabulary but not built yet: templates may not choose them. */
  available: boolean;
}

const provider = 'inspector-classic-selfhosted';

export const RULES_PACKAGE_CATALOG: readonly RulesPackageInfo[] = [
  {
    id: 'cve',
    name: 'Common Vulnerabilities and Exposures',
    version: '1.0.0',
    provider,
    description: 'Installed packages (dpkg, rpm, apk) checked against distribution security feeds.',
    requiresAgent: true,
    available: true,
  },
  {
    id: 'cis',
    name: 'CIS Operating System Security Configuration Benchmarks',
    version: '0.1.0',
    provider,
    description:
      'CIS benchmark controls (Level 1 and Level 2 server profiles) for Ubuntu 22.04/24.04, Debian 12, Amazon Linux 2/2023, RHEL/AlmaLinux/Rocky 8 and 9, checked with ComplianceAsCode rule ids; controls without an evaluator in this version are NOT_APPLICABLE "not evaluated by this version". Not run by default: name it.',
    requiresAgent: true,
    available: true,
  },
  {
    id: 'security-best-practices',
    name: 'Security Best Practices',
    version: '1.0.0',
    provider,
    description: 'SSH, password policy, ASLR, DEP and system directory permissions.',
    requiresAgent: true,
    available: true,
  },
  {
    id: 'runtime-behavior-analysis',
    name: 'Runtime Behavior Analysis',
    version: '1.0.0',
    provider,
    description:
      'Processes, files and sockets sampled over the run: clear-text client and server protocols, unused listening TCP ports, software without DEP or stack cookies, root processes running files others can change.',
    requiresAgent: true,
    available: true,
  },
  {
    id: 'network-reachability',
    name: 'Network Reachability',
    version: '1.0.0',
    provider,
    description:
      'Security groups, network ACLs, route tables, gateways, peering and internet-facing load balancers analysed for ports reachable from outside, joined with what the agent saw listening (when the template also runs an agent package). Evaluated once per run over the account configuration.',
    requiresAgent: false,
    available: true,
  },
];

export const RULES_PACKAGE_IDS = RULES_PACKAGE_CATALOG.map((p) => p.id);

/** Packages evaluated once per run over the account's configuration, not on an instance's telemetry. */
export const RUN_LEVEL_PACKAGES: readonly string[] = RULES_PACKAGE_CATALOG.filter(
  (p) => !p.requiresAgent,
).map((p) => p.id);

export function rulesPackageInfo(id: string): RulesPackageInfo | undefined {
  return RULES_PACKAGE_CATALOG.find((p) => p.id === id);
}
