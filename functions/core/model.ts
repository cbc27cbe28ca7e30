/**
 * The evaluation model shared by the local CLI, the Lambdas and the reports: results (every rule on every
 * instance), findings (the FAIL results) and exclusions (instances or packages that could not be assessed).
 */
import type { Severity } from './severity';
import type { SuppressionMark } from './suppressions';

export const RESULTS = ['PASS', 'FAIL', 'NOT_APPLICABLE', 'ERROR'] as const;
export type ResultStatus = (typeof RESULTS)[number];

/** One piece of evidence: where a value was seen and what it was. */
export interface Evidence {
  /** File (inside the assessed root) or telemetry source, e.g. /etc/ssh/sshd_config or kernel.randomize_va_space. */
  source: string;
  /** 1-based line in `source`, when the value came from a line of a file. */
  line?: number;
  /** The setting or item judged, e.g. PermitRootLogin. */
  key?: string;
  /** The value seen (or `(unset)`). */
  value?: string;
  /** What the rule wanted. */
  expected?: string;
  /** Free text for anything else worth showing (e.g. "default applies"). */
  note?: string;
}

/** Classic attribute: a key/value string pair. */
export interface Attribute {
  key: string;
  value: string;
}

/** Set on CVE findings (rules package `cve`). */
export interface VulnerabilityDetails {
  vulnerabilityId: string;
  aliases: string[];
  advisoryIds: string[];
  ecosystem: string;
  packages: Array<{
    name: string;
    installedVersion: string;
    fixedVersion?: string;
    sourcePackage?: string;
    sourceVersion?: string;
    arch?: string;
    /** The fixed version is published in Ubuntu Pro: `esm-apps`, `esm-infra`, or `ubuntu-pro` (archive not named). */
    fixedInUbuntuPro?: string;
  }>;
  /** `ubuntu-pro`: every affected package has a fix, but some only in Ubuntu Pro, which this host cannot install. */
  fixState: 'fixed' | 'not-fixed' | 'wont-fix' | 'unknown' | 'ubuntu-pro';
  /** `scoredBy`: set when the score comes from the CVE records, not the distribution's ("NVD", "CVE record (CNA …)"). */
  cvss?: { version: string; vector: string; baseScore: number; scoredBy?: string };
  vendorSeverity?: string;
  /** Where the severity came from: "debian-tracker urgency high", "NVD CVSS 3.1 7.5", "ubuntu priority medium", "unrated". */
  severitySource?: string;
  epss?: { score: number; percentile: number; date?: string };
  kev?: { dateAdded: string; dueDate: string; knownRansomwareCampaignUse?: string };
  remediation?: string;
  references: string[];
}

/** One check a result was decided by (rules package `cis`: one ComplianceAsCode rule, e.g. sshd_disable_root_login). */
export interface CheckResult {
  id: string;
  result: ResultStatus;
  message: string;
  evidence: Evidence[];
}

export interface RuleResult {
  rulesPackage: string;
  ruleId: string;
  instanceId: string;
  result: ResultStatus;
  severity: Severity;
  title: string;
  /** One sentence saying why this result. */
  message: string;
  evidence: Evidence[];
  /** The checks that decided the result, when a rule is made of several (cis: one per ComplianceAsCode rule). */
  checks?: CheckResult[];
  /**
   * Set when the result was bounded to fit storage and reports (finding-limits.ts): one line per kind of
   * cut, e.g. "evidence: 99 of 2501 entries kept". The cut data itself carries its marker ("and N more",
   * "… [truncated, N characters]").
   */
  truncated?: string[];
  /**
   * FAIL results whose evidence also holds what changes every run (pids, times): the stable part that the
   * finding id is computed from instead of the evidence. Used for the id only; results are stored without it.
   */
  identity?: string[];
  /** Present on FAIL results of packages whose findings need more than the rule's metadata. */
  finding?: Partial<
    Pick<Finding, 'title' | 'description' | 'recommendation' | 'numericSeverity' | 'vulnerability'>
  > & {
    attributes?: Attribute[];
  };
}

export interface Finding {
  /** Deterministic: same host, rule and evidence give the same id across runs. */
  id: string;
  runId: string;
  instanceId: string;
  hostname?: string;
  rulesPackage: string;
  ruleId: string;
  title: string;
  description: string;
  recommendation: string;
  severity: Severity;
  numericSeverity: number;
  attributes: Attribute[];
  evidence: Evidence[];
  createdAt: string;
  vulnerability?: VulnerabilityDetails;
  /** Set when the finding was bounded to fit storage (see RuleResult.truncated). */
  truncated?: string[];
  /**
   * Set when a suppression rule (waiver) in force at evaluation or listing time matches the finding
   * (core/suppressions.ts): the finding is kept and shown, counted apart from the active ones.
   */
  suppression?: SuppressionMark;
}

export const EXCLUSION_REASONS = [
  'NO_AGENT',
  'AGENT_UNHEALTHY',
  'AGENT_FAILED',
  'UNSUPPORTED_OS',
  'TELEMETRY_MISSING',
  'TELEMETRY_INVALID',
  'TELEMETRY_DECRYPT_FAILED',
  'EVALUATION_ERROR',
] as const;
export type ExclusionReason = (typeof EXCLUSION_REASONS)[number];

export interface Exclusion {
  instanceId: string;
  /** Set when only part of the instance was excluded (one rules package, one package database). */
  scope?: string;
  reason: ExclusionReason;
  message: string;
}

export interface InstanceSummary {
  instanceId: string;
  hostname?: string;
  os?: string;
  kernelRelease?: string;
  arch?: string;
  agentStatus: 'HEALTHY' | 'UNHEALTHY' | 'UNKNOWN';
  /** What listened during the run and who (facts/listening.ts); absent when the agent sampled nothing. */
  listeners?: ListeningSummary;
}

/** A process holding a listening socket. */
export interface ListeningProcess {
  pid: number;
  comm: string;
  uid: number;
  exe?: string;
  /** `name version` of the package owning the executable. */
  package?: string;
}

/** One listening socket seen during the run (TCP listen, or bound unconnected UDP). */
export interface ListeningService {
  protocol: 'tcp' | 'tcp6' | 'udp' | 'udp6';
  address: string;
  port: number;
  /** Bound to a loopback address only. */
  loopback: boolean;
  /** TCP: connections seen on its port during the run. */
  accepted: number;
  /** Samples in which it was seen. */
  samples: number;
  processes: ListeningProcess[];
  processesOmitted?: number;
  /** `name version` of the packages owning the libraries its processes mapped. */
  libraryPackages: string[];
  libraryPackagesOmitted?: number;
}

export interface ListeningSummary {
  services: ListeningService[];
  /** Listeners beyond the inventory's cap. */
  omitted?: number;
  /** Whether the agent looked up which packages own the files (else no package is named). */
  ownersLookedUp: boolean;
  /** The agent's sampling caps dropped something (the inventory may be incomplete). */
  samplingTruncated?: boolean;
}
