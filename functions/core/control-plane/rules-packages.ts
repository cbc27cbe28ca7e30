/** The rules packages a template may choose (DESIGN.md vocabulary), as list/describe-rules-packages show them. */
export interface RulesPackage {
  id: string;
  name: string;
  version: string;
  provider: string;
  description: string;
  /** Whether the package needs the agent on the instance (network reachability does not). */
  requiresAgent: boolean;
}

export const RULES_PACKAGES: readonly RulesPackage[] = [
  {
    id: 'cve',
    name: 'Common Vulnerabilities and Exposures',
    version: '1.0',
    provider: 'inspector-classic-selfhosted',
    description: 'Installed packages (dpkg, rpm, apk) checked against distribution security feeds.',
    requiresAgent: true,
  },
  {
    id: 'cis',
    name: 'CIS Operating System Security Configuration Benchmarks',
    version: '1.0',
    provider: 'inspector-classic-selfhosted',
    description: 'Checks mapped to CIS benchmark recommendations and levels.',
    requiresAgent: true,
  },
  {
    id: 'security-best-practices',
    name: 'Security Best Practices',
    version: '1.0',
    provider: 'inspector-classic-selfhosted',
    description: 'SSH, password policy, ASLR, DEP and system directory permissions.',
    requiresAgent: true,
  },
  {
    id: 'runtime-behavior-analysis',
    name: 'Runtime Behavior Analysis',
    version: '1.0',
    provider: 'inspector-classic-selfhosted',
    description:
      'Processes and sockets sampled over the run: insecure protocols, unused ports, ELF hardening.',
    requiresAgent: true,
  },
  {
    id: 'network-reachability',
    name: 'Network Reachability',
    version: '1.0',
    provider: 'inspector-classic-selfhosted',
    description: 'Security groups, NACLs, route tables and gateways analysed for exposed ports.',
    requiresAgent: false,
  },
];

export const RULES_PACKAGE_IDS: readonly string[] = RULES_PACKAGES.map((p) => p.id);

export function findRulesPackage(id: string): RulesPackage | undefined {
  return RULES_PACKAGES.find((p) => p.id === id);
}
