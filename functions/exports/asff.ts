/**
 * Findings in the AWS Security Finding Format (ASFF, schema version 2018-10-08) for Security Hub, as a custom
 * integration sends them with BatchImportFindings (Security Hub User Guide, "AWS Security Finding Format",
 * "Required top-level ASFF attributes", "Using custom product integrations"; API reference
 * AwsSecurityFinding):
 *
 * - ProductArn `arn:aws:securityhub:REGION:ACCOUNT:product/ACCOUNT/default` (the account's default product);
 *   Id `<runId>/<findingId>` is the run's; GeneratorId the rule id; ProductFields name the run and rule.
 * - Resources: `AwsEc2Instance` with the instance ARN (ids that are not EC2 instance ids: `Other`).
 * - Severity: Label (Classic High/Medium/Low/Informational → HIGH/MEDIUM/LOW/INFORMATIONAL; a CVE whose CVSS
 *   base score is 9.0 or more → CRITICAL) and Normalized (the label's band: 90/70/40/0, or CRITICAL 90+), in
 *   FindingProviderFields too (where a provider sets severity and types after creation).
 * - CVE findings: `Vulnerabilities` (Id, VulnerablePackages with epoch/release split for rpm, FixedInVersion,
 *   Cvss, Vendor, ReferenceUrls, FixAvailable YES/NO/PARTIAL, EpssScore, ExploitAvailable YES when the CVE is
 *   in CISA KEV, LastKnownExploitedAt).
 * - CIS findings: `Compliance` (Status FAILED, RelatedRequirements "CIS <benchmark> <section>").
 * - A finding of an earlier run that the later run no longer reports: the same Id, RecordState ARCHIVED.
 * - Strings are cut to ASFF's maxima (Title 256, Description 1024 characters); a finding over 240 KB is refused.
 */
import type { Finding } from '../core/model';
import type { Severity } from '../core/severity';
import { splitEpoch } from './purl';

export const ASFF_SCHEMA_VERSION = '2018-10-08';
/** BatchImportFindings (Security Hub partner guide, "Guidelines for using the BatchImportFindings API"). */
export const ASFF_LIMITS = {
  findingsPerCall: 100,
  bytesPerFinding: 240 * 1024,
  bytesPerCall: 6 * 1024 * 1024,
  titleChars: 256,
  descriptionChars: 1024,
  relatedRequirements: 32,
} as const;

export type AsffSeverityLabel = 'INFORMATIONAL' | 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';

export interface AsffFinding {
  SchemaVersion: string;
  Id: string;
  ProductArn: string;
  GeneratorId: string;
  AwsAccountId: string;
  Types: string[];
  CreatedAt: string;
  UpdatedAt: string;
  Severity: { Label: AsffSeverityLabel; Normalized: number; Original?: string };
  Title: string;
  Description: string;
  Resources: Array<{
    Type: string;
    Id: string;
    Partition?: string;
    Region?: string;
    Details?: Record<string, unknown>;
  }>;
  RecordState: 'ACTIVE' | 'ARCHIVED';
  ProductName?: string;
  CompanyName?: string;
  Remediation?: { Recommendation: { Text: string } };
  ProductFields?: Record<string, string>;
  FindingProviderFields?: { Severity: { Label: AsffSeverityLabel; Original?: string }; Types: string[] };
  Vulnerabilities?: Array<Record<string, unknown>>;
  Compliance?: { Status: 'PASSED' | 'WARNING' | 'FAILED' | 'NOT_AVAILABLE'; RelatedRequirements?: string[] };
  Workflow?: { Status: 'NEW' | 'NOTIFIED' | 'RESOLVED' | 'SUPPRESSED' };
  Note?: { Text: string; UpdatedBy: string; UpdatedAt: string };
}

export interface AsffContext {
  accountId: string;
  region: string;
  /** aws, aws-cn, aws-us-gov. */
  partition?: string;
  /** When this export is made (UpdatedAt). */
  now: Date;
}

const LABEL: Record<Severity, AsffSeverityLabel> = {
  High: 'HIGH',
  Medium: 'MEDIUM',
  Low: 'LOW',
  Informational: 'INFORMATIONAL',
};
const NORMALIZED: Record<AsffSeverityLabel, number> = {
  INFORMATIONAL: 0,
  LOW: 40,
  MEDIUM: 70,
  HIGH: 90,
  CRITICAL: 90,
};

export function productArn(ctx: AsffContext): string {
  return `arn:${ctx.partition ?? 'aws'}:securityhub:${ctx.region}:${ctx.accountId}:product/${ctx.accountId}/default`;
}

function cut(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

function types(f: Finding): string[] {
  if (f.rulesPackage === 'cve') return ['Software and Configuration Checks/Vulnerabilities/CVE'];
  if (f.rulesPackage === 'cis')
    return [
      'Software and Configuration Checks/Industry and Regulatory Standards/CIS Host Hardening Benchmarks',
    ];
  if (f.rulesPackage === 'runtime-behavior-analysis') return ['Unusual Behaviors/Process'];
  if (f.rulesPackage === 'network-reachability')
    return ['Software and Configuration Checks/AWS Security Best Practices/Network Reachability'];
  return ['Software and Configuration Checks/AWS Security Best Practices'];
}

function severityOf(f: Finding): { Label: AsffSeverityLabel; Normalized: number; Original: string } {
  const score = f.vulnerability?.cvss?.baseScore;
  const label: AsffSeverityLabel =
    score !== undefined && score >= 9 && f.severity === 'High' ? 'CRITICAL' : LABEL[f.severity];
  const normalized =
    label === 'CRITICAL' && score !== undefined ? Math.min(100, Math.round(score * 10)) : NORMALIZED[label];
  return { Label: label, Normalized: normalized, Original: String(f.numericSeverity) };
}

function resource(instanceId: string, ctx: AsffContext): AsffFinding['Resources'][number] {
  const partition = ctx.partition ?? 'aws';
  return /^i-[0-9a-f]{8,17}$/.test(instanceId)
    ? {
        Type: 'AwsEc2Instance',
        Id: `arn:${partition}:ec2:${ctx.region}:${ctx.accountId}:instance/${instanceId}`,
        Partition: partition,
        Region: ctx.region,
      }
    : { Type: 'Other', Id: instanceId, Partition: partition, Region: ctx.region };
}

function vulnerabilities(f: Finding): AsffFinding['Vulnerabilities'] {
  const v = f.vulnerability;
  if (!v) return undefined;
  const rpm =
    v.ecosystem.startsWith('rpm') || /^(redhat|rhel|amzn|alma|rocky|centos|oracle)/.test(v.ecosystem);
  const packages = v.packages.map((p) => {
    const out: Record<string, string> = { Name: p.name };
    if (rpm) {
      const { epoch, version } = splitEpoch(p.installedVersion);
      const dash = version.lastIndexOf('-');
      out.Version = dash > 0 ? version.slice(0, dash) : version;
      if (dash > 0) out.Release = version.slice(dash + 1);
      out.Epoch = epoch ?? '0';
    } else out.Version = p.installedVersion;
    if (p.arch) out.Architecture = p.arch;
    if (p.fixedVersion) out.FixedInVersion = p.fixedVersion;
    if (v.remediation) out.Remediation = cut(v.remediation, 1024);
    return out;
  });
  const fixed = v.packages.filter((p) => p.fixedVersion).length;
  const vuln: Record<string, unknown> = {
    Id: v.vulnerabilityId,
    VulnerablePackages: packages,
    Vendor: {
      Name: cut(v.severitySource?.split(' ')[0] ?? v.ecosystem, 256),
      ...(v.vendorSeverity ? { VendorSeverity: v.vendorSeverity } : {}),
    },
    ReferenceUrls: v.references.filter((r) => /^https?:\/\//.test(r)).slice(0, 50),
    FixAvailable: fixed === 0 ? 'NO' : fixed === v.packages.length ? 'YES' : 'PARTIAL',
  };
  if (v.cvss)
    vuln.Cvss = [
      {
        Version: v.cvss.version,
        BaseScore: v.cvss.baseScore,
        BaseVector: v.cvss.vector,
        ...(v.cvss.scoredBy ? { Source: v.cvss.scoredBy } : {}),
      },
    ];
  if (v.epss) vuln.EpssScore = v.epss.score;
  if (v.kev) {
    vuln.ExploitAvailable = 'YES';
    vuln.LastKnownExploitedAt = new Date(`${v.kev.dateAdded}T00:00:00Z`).toISOString();
  }
  return [vuln];
}

function compliance(f: Finding): AsffFinding['Compliance'] {
  if (f.rulesPackage !== 'cis') return undefined;
  const attr = (k: string) => f.attributes.find((a) => a.key === k)?.value;
  const benchmark = attr('BENCHMARK_ID');
  const section = attr('BENCHMARK_RULE_ID');
  const req = benchmark && section ? `CIS ${benchmark} ${section}` : f.ruleId;
  return { Status: 'FAILED', RelatedRequirements: [cut(req, 256)] };
}

/** One finding as ASFF, ACTIVE (or ARCHIVED: a finding the latest run no longer reports). */
export function toAsff(
  f: Finding,
  ctx: AsffContext,
  recordState: 'ACTIVE' | 'ARCHIVED' = 'ACTIVE',
): AsffFinding {
  const severity = severityOf(f);
  const t = types(f);
  const out: AsffFinding = {
    SchemaVersion: ASFF_SCHEMA_VERSION,
    Id: `${f.runId}/${f.id}`.slice(0, 512),
    ProductArn: productArn(ctx),
    ProductName: 'Inspector Classic (self-hosted)',
    CompanyName: 'Self-hosted',
    GeneratorId: cut(`${f.rulesPackage}/${f.ruleId}`, 512),
    AwsAccountId: ctx.accountId,
    Types: t,
    CreatedAt: new Date(f.createdAt).toISOString(),
    UpdatedAt: ctx.now.toISOString(),
    Severity: severity,
    Title: cut(f.title, ASFF_LIMITS.titleChars),
    Description: cut(f.description || f.title, ASFF_LIMITS.descriptionChars),
    Remediation: { Recommendation: { Text: cut(f.recommendation || '-', 512) } },
    Resources: [resource(f.instanceId, ctx)],
    RecordState: recordState,
    ProductFields: {
      'inspector/runId': f.runId,
      'inspector/findingId': f.id,
      'inspector/rulesPackage': f.rulesPackage,
      'inspector/ruleId': cut(f.ruleId, 2048),
    },
    FindingProviderFields: { Severity: { Label: severity.Label, Original: severity.Original }, Types: t },
  };
  const vulns = vulnerabilities(f);
  if (vulns) out.Vulnerabilities = vulns;
  const comp = compliance(f);
  if (comp) out.Compliance = comp;
  if (f.suppression) {
    out.Note = {
      Text: cut(
        `Suppressed by ${f.suppression.suppressionRuleId} (owner ${f.suppression.owner}) until ${f.suppression.expiresOn}: ${f.suppression.reason}`,
        512,
      ),
      UpdatedBy: 'inspector-classic-selfhosted',
      UpdatedAt: ctx.now.toISOString(),
    };
  }
  return out;
}

/**
 * A run's findings as ASFF, plus the findings of the previous run of the same instances that this run no
 * longer reports, ARCHIVED under their own (earlier run's) Id, so Security Hub retires them.
 */
export function runToAsff(
  findings: readonly Finding[],
  ctx: AsffContext,
  previous: readonly Finding[] = [],
): AsffFinding[] {
  const current = new Set(findings.map((f) => `${f.instanceId}\u0000${f.id}`));
  const instances = new Set(findings.map((f) => f.instanceId));
  const archived = previous.filter(
    (p) => instances.has(p.instanceId) && !current.has(`${p.instanceId}\u0000${p.id}`),
  );
  return [...findings.map((f) => toAsff(f, ctx)), ...archived.map((f) => toAsff(f, ctx, 'ARCHIVED'))];
}

// ---- the check, written from the ASFF syntax (required attributes, types, formats, maxima) -----------------

const REQUIRED = [
  'AwsAccountId',
  'CreatedAt',
  'Description',
  'GeneratorId',
  'Id',
  'ProductArn',
  'Resources',
  'SchemaVersion',
  'Severity',
  'Title',
  'Types',
  'UpdatedAt',
] as const;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const TYPE =
  /^(Software and Configuration Checks|TTPs|Effects|Unusual Behaviors|Sensitive Data Identifications)(\/[^/]+){0,2}$/;

/** Problems that would make Security Hub refuse the finding (one sentence each); [] when none. */
export function checkAsff(f: unknown): string[] {
  const problems: string[] = [];
  if (typeof f !== 'object' || f === null) return ['not an object'];
  const o = f as Record<string, unknown>;
  for (const k of REQUIRED) if (o[k] === undefined) problems.push(`${k} is required`);
  const str = (k: string, max: number) => {
    const v = o[k];
    if (v === undefined) return;
    if (typeof v !== 'string' || v.length === 0) problems.push(`${k} must be a non-empty string`);
    else if (v.length > max) problems.push(`${k} is ${v.length} characters, over ${max}`);
  };
  str('Id', 512);
  str('GeneratorId', 512);
  str('Title', ASFF_LIMITS.titleChars);
  str('Description', ASFF_LIMITS.descriptionChars);
  if (o.SchemaVersion !== undefined && o.SchemaVersion !== ASFF_SCHEMA_VERSION)
    problems.push(`SchemaVersion must be ${ASFF_SCHEMA_VERSION}`);
  if (o.AwsAccountId !== undefined && !/^\d{12}$/.test(String(o.AwsAccountId)))
    problems.push('AwsAccountId must be 12 digits');
  if (
    o.ProductArn !== undefined &&
    !/^arn:aws(-cn|-us-gov)?:securityhub:[a-z0-9-]+:\d{12}:product\/[^/]+\/[^/]+$/.test(String(o.ProductArn))
  )
    problems.push('ProductArn is not a Security Hub product ARN');
  for (const k of ['CreatedAt', 'UpdatedAt', 'FirstObservedAt', 'LastObservedAt']) {
    if (o[k] !== undefined && (typeof o[k] !== 'string' || !ISO.test(o[k] as string)))
      problems.push(`${k} must be an ISO 8601 timestamp`);
  }
  if (o.Types !== undefined) {
    if (!Array.isArray(o.Types) || o.Types.length === 0 || o.Types.length > 50)
      problems.push('Types must be 1-50 strings');
    else
      for (const t of o.Types)
        if (typeof t !== 'string' || !TYPE.test(t))
          problems.push(`Types: "${String(t)}" is not namespace/category/classifier`);
  }
  const sev = o.Severity as Record<string, unknown> | undefined;
  if (sev !== undefined) {
    if (!['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'].includes(String(sev.Label)))
      problems.push('Severity.Label is not one of the five labels');
    if (
      sev.Normalized !== undefined &&
      (!Number.isInteger(sev.Normalized) ||
        (sev.Normalized as number) < 0 ||
        (sev.Normalized as number) > 100)
    )
      problems.push('Severity.Normalized must be an integer 0-100');
  }
  if (o.Resources !== undefined) {
    if (!Array.isArray(o.Resources) || o.Resources.length === 0 || o.Resources.length > 32)
      problems.push('Resources must be 1-32 resources');
    else
      for (const r of o.Resources as Array<Record<string, unknown>>) {
        if (typeof r?.Type !== 'string' || typeof r?.Id !== 'string')
          problems.push('a resource needs Type and Id');
        if (
          r?.Type === 'AwsEc2Instance' &&
          !/^arn:aws(-cn|-us-gov)?:ec2:[a-z0-9-]+:\d{12}:instance\/i-[0-9a-f]+$/.test(String(r.Id))
        )
          problems.push('AwsEc2Instance Id must be the instance ARN');
      }
  }
  if (o.RecordState !== undefined && !['ACTIVE', 'ARCHIVED'].includes(String(o.RecordState)))
    problems.push('RecordState must be ACTIVE or ARCHIVED');
  if (o.Vulnerabilities !== undefined) {
    if (!Array.isArray(o.Vulnerabilities)) problems.push('Vulnerabilities must be a list');
    else
      for (const v of o.Vulnerabilities as Array<Record<string, unknown>>) {
        if (typeof v.Id !== 'string') problems.push('a vulnerability needs an Id');
        if (v.FixAvailable !== undefined && !['YES', 'NO', 'PARTIAL'].includes(String(v.FixAvailable)))
          problems.push('FixAvailable must be YES, NO or PARTIAL');
        if (v.ExploitAvailable !== undefined && !['YES', 'NO'].includes(String(v.ExploitAvailable)))
          problems.push('ExploitAvailable must be YES or NO');
        if (v.EpssScore !== undefined && typeof v.EpssScore !== 'number')
          problems.push('EpssScore must be a number');
        const vendor = v.Vendor as Record<string, unknown> | undefined;
        if (vendor !== undefined && typeof vendor.Name !== 'string') problems.push('Vendor.Name is required');
      }
  }
  const comp = o.Compliance as Record<string, unknown> | undefined;
  if (comp !== undefined) {
    if (!['PASSED', 'WARNING', 'FAILED', 'NOT_AVAILABLE'].includes(String(comp.Status)))
      problems.push('Compliance.Status is not a compliance status');
    if (
      comp.RelatedRequirements !== undefined &&
      (!Array.isArray(comp.RelatedRequirements) ||
        comp.RelatedRequirements.length > ASFF_LIMITS.relatedRequirements)
    )
      problems.push(
        `Compliance.RelatedRequirements must be at most ${ASFF_LIMITS.relatedRequirements} strings`,
      );
  }
  const size = Buffer.byteLength(JSON.stringify(f));
  if (size > ASFF_LIMITS.bytesPerFinding)
    problems.push(`the finding is ${size} bytes, over ${ASFF_LIMITS.bytesPerFinding}`);
  return problems;
}
