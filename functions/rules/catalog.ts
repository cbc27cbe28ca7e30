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
    version: '0.0.0',
    provider,
    description: 'Checks mapped to CIS benchmark recommendations and levels (not available yet).',
    requiresAgent: true,
    available: false,
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
    version: '0.0.0',
    provider,
    description:
      'Security groups, NACLs, route tables and gateways analysed for exposed ports (not available yet).',
    requiresAgent: false,
    available: false,
  },
];

export const RULES_PACKAGE_IDS = RULES_PACKAGE_CATALOG.map((p) => p.id);

export function rulesPackageInfo(id: string): RulesPackageInfo | undefined {
  return RULES_PACKAGE_CATALOG.find((p) => p.id === id);
}
