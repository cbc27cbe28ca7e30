/**
 * The `cve` rules package: the instance's installed packages (dpkg, rpm, apk) matched against its
 * distribution's own advisories from a compiled feed index. One FAIL result per vulnerability (rule id
 * `cve.<CVE-ID>`, or `cve.<ADVISORY-ID>` when the advisory names no CVE) listing every affected installed
 * binary package; `cve.scan` PASS when nothing matched; ERROR / NOT_APPLICABLE with the reason when the
 * instance cannot be assessed. Parameters (EvaluationContext.parameters['cve']):
 *   includeUnfixed (default true): report vulnerabilities with no fix yet / will not be fixed.
 */
import type { Facts } from '../../core/facts/facts';
import { type Inventory, inventory, isKernelPackage } from '../../core/facts/packages';
import type { Evidence, RuleResult, VulnerabilityDetails } from '../../core/model';
import type { EvaluationContext, RulesPackage } from '../../core/rule';
import type { Severity } from '../../core/severity';
import { versionComparator } from '../../core/versions';
import type { CveIndex, ThreatData } from '../../feeds/compile';
import { FAMILY_INFO, releaseKeyForDistro, releaseLabel } from '../../feeds/ecosystems';
import { ReleaseIndex } from '../../feeds/index-format';
import type { Cvss, ProService, ReleaseKey } from '../../feeds/model';
import {
  annotateLivepatch,
  type LoadedLivepatches,
  livepatchedResult,
  loadedLivepatches,
  runningLivepatches,
  splitLivepatched,
} from './livepatch';
import { type MatchedPackage, type MatchOptions, matchInventory, type Vulnerability } from './match';
import { rateMatched } from './severity';
import { proEnableSteps, proFixInstallable, proLabel, type UbuntuProHost, ubuntuProHost } from './ubuntu-pro';

export const CVE_PACKAGE_ID = 'cve';
export const CVE_PACKAGE_VERSION = '1.0.0';
export const SCAN_RULE_ID = 'cve.scan';

const SCAN_RULE = {
  id: SCAN_RULE_ID,
  title: 'Installed packages checked against the distribution’s vulnerability advisories',
  severity: 'Informational' as Severity,
  description:
    'Every installed package is compared, with the package manager’s own version rules, against the security advisories of the distribution release the instance runs.',
  recommendation:
    'Keep the vulnerability feeds current (inspector feeds sync) and apply security updates promptly.',
};

const VULN_RULE = {
  id: 'cve.<CVE-ID>',
  title: 'An installed package is affected by a published vulnerability',
  severity: 'High' as Severity,
  description:
    'One finding per vulnerability, listing the affected installed packages and the fixed versions.',
  recommendation:
    'Upgrade the affected packages to the fixed versions with the distribution’s package manager.',
};

/** Where the package manager's data lives in telemetry, for evidence. */
const INVENTORY_SOURCE: Readonly<Record<Inventory['manager'], string>> = {
  dpkg: '/var/lib/dpkg/status',
  rpm: 'rpm -qa',
  apk: '/lib/apk/db/installed',
};

export interface CveOptions {
  includeUnfixed: boolean;
}

export function cveOptions(ctx: EvaluationContext): CveOptions {
  const p = ctx.parameters?.[CVE_PACKAGE_ID] ?? {};
  const v = p.includeUnfixed;
  return { includeUnfixed: v === undefined ? true : v === true || v === 'true' };
}

export function cveRulesPackage(index: CveIndex): RulesPackage {
  return {
    id: CVE_PACKAGE_ID,
    name: 'Common Vulnerabilities and Exposures',
    version: CVE_PACKAGE_VERSION,
    description:
      'Installed packages matched against the distribution’s own advisories (OSV, Amazon Linux ALAS), with CVSS, EPSS and CISA KEV context.',
    rules: [SCAN_RULE, VULN_RULE],
    async evaluate(facts, ctx) {
      return [...(await cveResults(index, facts, ctx))];
    },
    evaluateEach: (facts, ctx) => cveResults(index, facts, ctx),
  };
}

/** The cve package's results on one host: its vulnerabilities' made as they are read (evaluateInventoryEach). */
async function cveResults(
  index: CveIndex,
  facts: Facts,
  ctx: EvaluationContext,
): Promise<Iterable<RuleResult>> {
  const base = { rulesPackage: CVE_PACKAGE_ID, instanceId: facts.instanceId };
  const scan = (result: RuleResult['result'], message: string, evidence: Evidence[] = []): RuleResult => ({
    ...base,
    ruleId: SCAN_RULE_ID,
    result,
    severity: SCAN_RULE.severity,
    title: SCAN_RULE.title,
    message,
    evidence,
  });
  if (!facts.isLinux) {
    return [
      scan(
        'NOT_APPLICABLE',
        `the CVE package covers Linux distributions; this host runs ${facts.telemetry.host.kernelName}`,
      ),
    ];
  }
  const inv = inventory(facts);
  if (!inv.ok) return [scan('ERROR', `installed packages could not be read: ${inv.reason}`)];
  const keyed = releaseKeyForDistro(inv.value.distro);
  if (!keyed.ok) return [scan('NOT_APPLICABLE', keyed.reason)];
  let rel: ReleaseIndex | undefined;
  let threat: ThreatData;
  let pro: ReleaseIndex | undefined;
  try {
    rel = await index.release(keyed.key);
    threat = await index.threatData();
    // Ubuntu Pro records (Ubuntu:Pro:<release>) are compiled apart, as pro-<release>.
    if (keyed.key.family === 'ubuntu')
      pro = await index.release({ family: 'ubuntu', release: `pro-${keyed.key.release}` });
  } catch (err) {
    return [scan('ERROR', `the vulnerability feed could not be loaded: ${(err as Error).message}`)];
  }
  if (!rel && pro) rel = ReleaseIndex.fromAdvisories(keyed.key, [], pro.compiledAt);
  if (!rel) {
    const have = index.releaseKeys();
    return [
      scan(
        'ERROR',
        `no advisories for ${releaseLabel(keyed.key)} in the ${index.description} (it has: ${have.join(', ') || 'nothing'}); import that release’s feed`,
      ),
    ];
  }
  const host: HostContext = { livepatches: loadedLivepatches(facts) };
  if (pro) host.pro = pro;
  if (keyed.key.family === 'ubuntu') host.ubuntuPro = ubuntuProHost(facts);
  return evaluateInventoryEach(inv.value, keyed.key, rel, threat, cveOptions(ctx), base, host);
}

/** What the host adds to matching: Ubuntu Pro (index and attachment), loaded kernel live patches. */
export interface HostContext {
  /** Ubuntu: the release's Ubuntu Pro index (pro-<release>). */
  pro?: ReleaseIndex;
  /** Ubuntu: the Pro client's view of this host (attached, services enabled). */
  ubuntuPro?: UbuntuProHost;
  /** Live patch modules loaded (/sys/kernel/livepatch). */
  livepatches?: LoadedLivepatches;
}

export function evaluateInventory(
  inv: Inventory,
  key: ReleaseKey,
  rel: ReleaseIndex,
  threat: ThreatData,
  opts: CveOptions,
  base: { rulesPackage: string; instanceId: string },
  host: HostContext = {},
): RuleResult[] {
  return [...evaluateInventoryEach(inv, key, rel, threat, opts, base, host)];
}

/** evaluateInventory's results, made one at a time (each vulnerability's result when it is read). */
export function* evaluateInventoryEach(
  inv: Inventory,
  key: ReleaseKey,
  rel: ReleaseIndex,
  threat: ThreatData,
  opts: CveOptions,
  base: { rulesPackage: string; instanceId: string },
  host: HostContext = {},
): Generator<RuleResult> {
  const source = INVENTORY_SOURCE[inv.manager];
  const compare = versionComparator(inv.format);
  const matchOpts: MatchOptions = { compare, isKernelPackage };
  if (host.pro) matchOpts.pro = host.pro;
  const outcome = matchInventory(inv, rel, matchOpts);
  let hiddenUnfixed = 0;
  const vulns = outcome.vulnerabilities
    .filter((v) => {
      const unfixed = v.packages.every((p) => p.fixState !== 'fixed');
      if (unfixed && !opts.includeUnfixed) hiddenUnfixed++;
      return opts.includeUnfixed || !unfixed;
    })
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const ctx: ResultContext = {
    key,
    label: releaseLabel(key),
    threat,
    source,
    base,
    upgrade: upgradeCommand(key),
  };
  if (host.ubuntuPro) ctx.ubuntuPro = host.ubuntuPro;
  // Kernel CVEs a loaded live patch of the running kernel fixes are reported as such (PASS), not as findings.
  const livepatches = runningLivepatches(inv);
  const split =
    livepatches.length && host.livepatches
      ? splitLivepatched(vulns, livepatches, rel, compare, host.livepatches)
      : undefined;
  for (const v of split?.remaining ?? vulns) {
    const r = vulnerabilityResult(v, ctx);
    const lp = split?.notes.get(v.id);
    yield lp ? annotateLivepatch(r, lp, v.id) : r;
  }
  for (const { vulnerability, coverage } of split?.fixed ?? [])
    yield livepatchedResult(vulnerability, coverage, base, vulnerabilityResult(vulnerability, ctx).severity);

  if (inv.errors.length > 0) {
    yield {
      ...base,
      ruleId: 'cve.inventory',
      result: 'ERROR',
      severity: 'Informational',
      title: 'Part of the package database could not be read',
      message: `${inv.errors.length} problem(s) reading installed packages: those packages were not checked for vulnerabilities`,
      evidence: inv.errors.slice(0, 50).map((e) => ({ source, note: e })),
    };
  }
  if (outcome.problems.length > 0) {
    yield {
      ...base,
      ruleId: 'cve.feed-data',
      result: 'ERROR',
      severity: 'Informational',
      title: 'Some advisories could not be compared with the installed versions',
      message: `${outcome.problems.length} advisory entries hold versions the package manager would reject; those entries were not judged`,
      evidence: outcome.problems.slice(0, 50).map((p) => ({ source: 'feed', note: p })),
    };
  }
  const kernelNames = outcome.kernelSkipped.map((p) => p.name);
  if (!inv.runningKernel && kernelNames.length > 0) {
    yield {
      ...base,
      ruleId: 'cve.running-kernel',
      result: 'NOT_APPLICABLE',
      severity: 'Informational',
      title: 'Kernel packages not checked: the running kernel is unknown',
      message: `the agent did not record the running kernel (kernel.osrelease), so ${kernelNames.length} kernel package(s) were not matched`,
      evidence: [{ source: 'kernel.osrelease', value: '(unset)', note: kernelNames.slice(0, 10).join(', ') }],
    };
  }
  if ((split?.remaining ?? vulns).length === 0) {
    const feedNote = `${rel.advisoryCount} advisories for ${releaseLabel(key)} compiled ${rel.compiledAt}${host.pro ? ` (and ${host.pro.advisoryCount} Ubuntu Pro advisories)` : ''}`;
    const extra = hiddenUnfixed
      ? `; ${hiddenUnfixed} vulnerabilities without a fix not reported (includeUnfixed=false)`
      : '';
    yield {
      ...base,
      ruleId: SCAN_RULE_ID,
      result: 'PASS',
      severity: SCAN_RULE.severity,
      title: SCAN_RULE.title,
      message: `no known vulnerability in ${outcome.scanned} installed packages${extra}`,
      evidence: [{ source, key: 'packages checked', value: String(outcome.scanned), note: feedNote }],
    };
  }
}

/** What every finding of one evaluation shares: computed once, not per vulnerability. */
interface ResultContext {
  key: ReleaseKey;
  label: string;
  threat: ThreatData;
  source: string;
  base: { rulesPackage: string; instanceId: string };
  /** The package manager's upgrade command, without the package names. */
  upgrade: string;
  /** Ubuntu: whether the host can install fixes published only in Ubuntu Pro. */
  ubuntuPro?: UbuntuProHost;
}

/** Sorted distinct values (one value needs no set). */
function distinctSorted(values: string[]): string[] {
  return values.length <= 1 ? values : [...new Set(values)].sort();
}

/** The finding of one vulnerability. Hot: called once per vulnerability an instance has (thousands). */
function vulnerabilityResult(v: Vulnerability, ctx: ResultContext): RuleResult {
  const { threat, source, label } = ctx;
  const { id, advisories, packages } = v;
  const cve = id.startsWith('CVE-') ? id : undefined;

  // One pass over the advisories: ids, vendor words, CVSS (the first with the highest score), references.
  const advisoryIds: string[] = [];
  const vendorWords: string[] = [];
  const references = new Set<string>();
  let cvss: Cvss | undefined;
  let cvssFrom = '';
  let summary: string | undefined;
  for (const a of advisories) {
    advisoryIds.push(a.id);
    if (a.severity) vendorWords.push(a.severity);
    const score = a.cvss?.score;
    if (score !== undefined && (cvss === undefined || score > cvss.score!)) {
      cvss = a.cvss;
      cvssFrom = a.id;
    }
    if (summary === undefined && a.summary) summary = a.summary;
    for (const r of a.references) references.add(r);
  }
  if (cve) references.add(`https://nvd.nist.gov/vuln/detail/${cve}`);
  // Distribution rating (Debian: the Security Tracker's urgency), else CVSS (the records', else the CVE
  // records'), else unrated: severity.ts.
  const verdict = rateMatched(
    ctx.key,
    cve,
    packages,
    vendorWords,
    cvss && { cvss, advisoryId: cvssFrom },
    threat,
  );

  // One pass over the packages: fix state, names, the finding's package list, evidence and text.
  let allFixed = true;
  let anyNotFixed = false;
  let allWontFix = true;
  let kernel = false;
  const sourceNames: string[] = [];
  const names: string[] = [];
  const fixedNames: string[] = [];
  const detailPackages: VulnerabilityDetails['packages'] = [];
  const evidence: Evidence[] = [];
  const texts: string[] = [];
  // Fixes published only in Ubuntu Pro that this host cannot install (not attached, or service disabled).
  const proOnly: Array<ProService | undefined> = [];
  for (const p of packages) {
    const { pkg } = p;
    if (p.fixState !== 'fixed') allFixed = false;
    if (p.fixState === 'not-fixed') anyNotFixed = true;
    if (p.fixState !== 'wont-fix') allWontFix = false;
    if (p.kernel) kernel = true;
    sourceNames.push(pkg.sourceName || pkg.name);
    names.push(pkg.name);
    if (p.fixedVersion) fixedNames.push(pkg.name);

    const d: VulnerabilityDetails['packages'][number] = { name: pkg.name, installedVersion: pkg.version };
    if (p.fixedVersion) d.fixedVersion = p.fixedVersion;
    const proBlocked =
      p.fromPro === true && !!p.fixedVersion && !proFixInstallable(ctx.ubuntuPro, p.proService);
    if (p.fromPro && p.fixedVersion) d.fixedInUbuntuPro = p.proService ?? 'ubuntu-pro';
    if (proBlocked) proOnly.push(p.proService);
    if (pkg.sourceName) d.sourcePackage = pkg.sourceName;
    if (pkg.sourceVersion) d.sourceVersion = pkg.sourceVersion;
    if (pkg.arch) d.arch = pkg.arch;
    detailPackages.push(d);

    // Installed state only (name, arch, version, source): the finding id stays the same across runs while
    // the installed versions do, even when the feed later learns of a fix.
    const e: Evidence = { source, key: pkg.arch ? `${pkg.name}:${pkg.arch}` : pkg.name, value: pkg.version };
    const fromSource =
      pkg.sourceName && (pkg.sourceName !== pkg.name || pkg.sourceVersion !== pkg.version)
        ? `source ${pkg.sourceName} ${pkg.sourceVersion}`
        : undefined;
    if (fromSource && p.kernel) e.note = `${fromSource}; running kernel`;
    else if (fromSource) e.note = fromSource;
    else if (p.kernel) e.note = 'running kernel';
    evidence.push(e);

    texts.push(pkgText(p, proBlocked));
  }
  const fixState: VulnerabilityDetails['fixState'] = allFixed
    ? proOnly.length
      ? 'ubuntu-pro'
      : 'fixed'
    : anyNotFixed
      ? 'not-fixed'
      : allWontFix
        ? 'wont-fix'
        : 'not-fixed';
  const sources = distinctSorted(sourceNames);
  const subject =
    sources.length <= 2
      ? sources.join(', ')
      : `${sources.slice(0, 2).join(', ')} and ${sources.length - 2} more`;
  const remediation = fixedNames.length
    ? `${ctx.upgrade} ${distinctSorted(fixedNames).join(' ')}`
    : undefined;
  const kev = cve ? threat.kev?.byCve.get(cve) : undefined;
  const epss = cve ? threat.epss?.lookup(cve) : undefined;
  const packageText = texts.join('; ');
  const advisoryList = advisoryIds.join(', ');

  const details: VulnerabilityDetails = {
    vulnerabilityId: id,
    aliases: [],
    advisoryIds,
    ecosystem: label,
    packages: detailPackages,
    fixState,
    references: references.size > 10 ? [...references].slice(0, 10) : [...references],
  };
  if (verdict.cvss) {
    const c = verdict.cvss;
    details.cvss = { version: c.version, vector: c.vector, baseScore: c.baseScore };
    if (c.by) details.cvss.scoredBy = c.by;
  }
  if (vendorWords.length) details.vendorSeverity = vendorWords[0];
  if (verdict.trackerUrgency) details.vendorSeverity = verdict.trackerUrgency;
  details.severitySource = verdict.source;
  if (epss) {
    details.epss = { score: epss.score, percentile: epss.percentile };
    if (threat.epss?.scoreDate) details.epss.date = threat.epss.scoreDate;
  }
  if (kev) {
    details.kev = { dateAdded: kev.dateAdded, dueDate: kev.dueDate };
    if (kev.knownRansomwareCampaignUse)
      details.kev.knownRansomwareCampaignUse = kev.knownRansomwareCampaignUse;
  }
  if (remediation) details.remediation = remediation;

  let description = summary ? `${id}: ${summary}` : `${id} affects ${subject} on ${label}.`;
  description += ` Affected installed packages: ${packageText}. Advisories: ${advisoryList}.`;
  if (verdict.basis === 'unrated')
    description +=
      ' No source rates this vulnerability (no distribution rating, no CVSS score in its records or in the CVE records); reported as Medium.';
  if (kev)
    description += ` Listed in CISA's Known Exploited Vulnerabilities catalogue since ${kev.dateAdded} (due ${kev.dueDate}).`;
  if (kernel) description += ' The running kernel is affected.';
  if (proOnly.length)
    description += ` The fix for ${proOnly.length === packages.length ? 'it' : 'some packages'} is published in ${[...new Set(proOnly.map(proLabel))].join(' and ')}; ${ctx.ubuntuPro?.note ?? 'this host is not attached to Ubuntu Pro'}.`;
  const recommendation =
    fixState === 'fixed'
      ? `Upgrade to the fixed versions: ${remediation}${kernel ? ', then reboot into the new kernel' : ''}.`
      : fixState === 'ubuntu-pro'
        ? `Fix available with ${[...new Set(proOnly.map(proLabel))].join(' and ')}: ${proEnableSteps(ctx.ubuntuPro, proOnly)}, then upgrade: ${remediation}${kernel ? ', then reboot into the new kernel' : ''}.`
        : fixState === 'wont-fix'
          ? `${label} will not fix this vulnerability in this release: mitigate (remove or restrict the package) or move to a newer release.`
          : `${label} has no fix yet${remediation ? ` for every package (upgrade those that have one: ${remediation})` : ''}: watch ${advisoryList} and mitigate meanwhile.`;
  const attributes = [
    { key: 'VULNERABILITY_ID', value: id },
    { key: 'PACKAGE_NAMES', value: distinctSorted(names).join(',') },
    { key: 'FIX_STATE', value: fixState },
    { key: 'ADVISORY_IDS', value: advisoryIds.join(',') },
  ];
  attributes.push({ key: 'SEVERITY_SOURCE', value: verdict.source });
  if (verdict.cvss) attributes.push({ key: 'CVSS_SCORE', value: String(verdict.cvss.baseScore) });
  if (kev) attributes.push({ key: 'CISA_KEV', value: 'true' });
  if (epss) attributes.push({ key: 'EPSS_SCORE', value: String(epss.score) });

  const title = `${id} in ${subject}`;
  // The base fields written out, not spread: on Node 20, `{ ...base, more }` costs microseconds per object
  // (a hundred times a plain literal), and this runs once per vulnerability.
  return {
    rulesPackage: ctx.base.rulesPackage,
    instanceId: ctx.base.instanceId,
    ruleId: `cve.${id}`,
    result: 'FAIL',
    severity: verdict.severity,
    title,
    message: packageText,
    evidence,
    finding: {
      title,
      description,
      recommendation,
      numericSeverity: verdict.numeric,
      vulnerability: details,
      attributes,
    },
  };
}

function pkgText(p: MatchedPackage, proOnly = false): string {
  const fix = proOnly
    ? ` (fix available with ${proLabel(p.proService)}: ${p.fixedVersion})`
    : p.fixedVersion
      ? ` (fixed in ${p.fixedVersion})`
      : p.fixState === 'wont-fix'
        ? ' (will not be fixed)'
        : ' (no fix yet)';
  return `${p.pkg.name} ${p.pkg.version}${fix}`;
}

/** The package manager's upgrade command for a release, without the package names. */
function upgradeCommand(key: ReleaseKey): string {
  switch (FAMILY_INFO[key.family].versionFormat) {
    case 'dpkg':
      return 'apt-get install --only-upgrade';
    case 'apk':
      return 'apk upgrade';
    case 'rpm': {
      const major = Number(/^\d+/.exec(key.release)?.[0] ?? '0');
      const yum =
        (key.family === 'amazon' && (key.release === '1' || key.release === '2')) ||
        (key.family !== 'amazon' && major < 8);
      return yum ? 'yum update' : 'dnf upgrade';
    }
  }
}

/** The package manager command upgrading the affected packages that have a fix (undefined when none has). */
export function remediationCommand(key: ReleaseKey, pkgs: readonly MatchedPackage[]): string | undefined {
  const names = [...new Set(pkgs.filter((p) => p.fixedVersion).map((p) => p.pkg.name))].sort();
  return names.length ? `${upgradeCommand(key)} ${names.join(' ')}` : undefined;
}
