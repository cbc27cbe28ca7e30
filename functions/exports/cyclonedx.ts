/**
 * CycloneDX 1.6 JSON SBOM of one assessed instance, built with @cyclonedx/cyclonedx-library (the CycloneDX
 * project's own models and spec-aware JSON normalizer): the instance as the BOM's subject (metadata.component,
 * a `device`), its operating system as an `operating-system` component, every installed OS package as a
 * `library` with its purl (purl.ts), the dependency graph instance → OS → packages, and the run's
 * vulnerabilities of that instance (CVE findings) in `vulnerabilities`, each pointing at the packages it
 * affects, with its CVSS rating, fix state, EPSS and KEV where known, and a waiver's decision as `analysis`.
 */
// Subpath imports: the package root also loads its optional XML and validation plugins (libxmljs2,
// xmlbuilder2, ajv), which a bundle of the CLI neither needs nor can resolve.
import * as Enums from '@cyclonedx/cyclonedx-library/Enums';
import * as Models from '@cyclonedx/cyclonedx-library/Models';
import * as Serialize from '@cyclonedx/cyclonedx-library/Serialize';
import * as Spec from '@cyclonedx/cyclonedx-library/Spec';
import type { Inventory } from '../core/facts/packages';
import type { Finding, InstanceSummary } from '../core/model';
import type { RunRecord } from '../core/run';
import type { Severity } from '../core/severity';
import type { SuppressionRule } from '../core/suppressions';
import { packagePurl } from './purl';

export interface SbomInput {
  run: RunRecord;
  instance: InstanceSummary;
  inventory: Inventory;
  /** The run's findings of this instance (the CVE ones become vulnerabilities; suppression marks kept). */
  findings: readonly Finding[];
  /** Suppression rules, to read a suppressed finding's VEX decision. */
  rules?: readonly SuppressionRule[];
  generatedAt: Date;
  toolVersion: string;
}

const SEVERITY: Record<Severity, Enums.Vulnerability.Severity> = {
  High: Enums.Vulnerability.Severity.High,
  Medium: Enums.Vulnerability.Severity.Medium,
  Low: Enums.Vulnerability.Severity.Low,
  Informational: Enums.Vulnerability.Severity.Info,
};

function cvssMethod(version: string): Enums.Vulnerability.RatingMethod {
  if (version.startsWith('4')) return Enums.Vulnerability.RatingMethod.CVSSv4;
  if (version === '3.1') return Enums.Vulnerability.RatingMethod.CVSSv31;
  if (version.startsWith('3')) return Enums.Vulnerability.RatingMethod.CVSSv3;
  if (version.startsWith('2')) return Enums.Vulnerability.RatingMethod.CVSSv2;
  return Enums.Vulnerability.RatingMethod.Other;
}

/** OpenVEX justification → CycloneDX analysis justification (closest meaning). */
const JUSTIFICATION: Record<string, Enums.Vulnerability.AnalysisJustification> = {
  component_not_present: Enums.Vulnerability.AnalysisJustification.CodeNotPresent,
  vulnerable_code_not_present: Enums.Vulnerability.AnalysisJustification.CodeNotPresent,
  vulnerable_code_not_in_execute_path: Enums.Vulnerability.AnalysisJustification.CodeNotReachable,
  vulnerable_code_cannot_be_controlled_by_adversary:
    Enums.Vulnerability.AnalysisJustification.RequiresEnvironment,
  inline_mitigations_already_exist: Enums.Vulnerability.AnalysisJustification.ProtectedByMitigatingControl,
};

const prop = (name: string, value: string) => new Models.Property(name, value);

export function buildCycloneDx(input: SbomInput): Models.Bom {
  const { inventory, instance } = input;
  const bom = new Models.Bom();
  bom.serialNumber = `urn:uuid:${crypto.randomUUID()}`;
  const subject = new Models.Component(Enums.ComponentType.Device, instance.instanceId, {
    bomRef: `instance:${instance.instanceId}`,
    description: `assessed in run ${input.run.runId}`,
    properties: new Models.PropertyRepository(
      [
        ['inspector:runId', input.run.runId],
        ['inspector:hostname', instance.hostname],
        ['inspector:arch', instance.arch],
        ['inspector:kernelRelease', instance.kernelRelease],
      ]
        .filter((p): p is [string, string] => p[1] !== undefined && p[1] !== '')
        .map(([n, v]) => prop(n, v)),
    ),
  });
  bom.metadata = new Models.Metadata({
    timestamp: input.generatedAt,
    component: subject,
    tools: new Models.Tools({
      components: new Models.ComponentRepository([
        new Models.Component(Enums.ComponentType.Application, 'inspector-classic-selfhosted', {
          version: input.toolVersion,
        }),
      ]),
    }),
  });

  const os = new Models.Component(Enums.ComponentType.OperatingSystem, inventory.distro.id, {
    bomRef: `os:${inventory.distro.id}`,
    ...(inventory.distro.versionId ? { version: inventory.distro.versionId } : {}),
    ...(instance.os ? { description: instance.os } : {}),
    properties: new Models.PropertyRepository([
      prop('inspector:packageManager', inventory.manager),
      ...(inventory.distro.codename ? [prop('inspector:codename', inventory.distro.codename)] : []),
    ]),
  });
  bom.components.add(os);
  subject.dependencies.add(os.bomRef);

  const byNameArch = new Map<string, Models.Component>();
  const seen = new Set<string>();
  for (const pkg of inventory.packages) {
    const purl = packagePurl(pkg, inventory.distro);
    if (seen.has(purl)) continue; // the same package recorded twice by the database
    seen.add(purl);
    const c = new Models.Component(Enums.ComponentType.Library, pkg.name, {
      bomRef: purl,
      version: pkg.version,
      purl,
      properties: new Models.PropertyRepository([
        ...(pkg.sourceName !== pkg.name || pkg.sourceVersion !== pkg.version
          ? [prop('inspector:sourcePackage', `${pkg.sourceName} ${pkg.sourceVersion}`)]
          : []),
        ...(pkg.module ? [prop('inspector:module', pkg.module)] : []),
      ]),
    });
    bom.components.add(c);
    os.dependencies.add(c.bomRef);
    byNameArch.set(`${pkg.name}\u0000${pkg.arch ?? ''}`, c);
    if (!byNameArch.has(`${pkg.name}\u0000*`)) byNameArch.set(`${pkg.name}\u0000*`, c);
  }

  for (const f of input.findings) {
    const v = f.vulnerability;
    if (!v || f.instanceId !== instance.instanceId) continue;
    const affected = new Models.Vulnerability.AffectRepository();
    for (const p of v.packages) {
      const c = byNameArch.get(`${p.name}\u0000${p.arch ?? ''}`) ?? byNameArch.get(`${p.name}\u0000*`);
      if (c) affected.add(new Models.Vulnerability.Affect(c.bomRef));
    }
    const ratings = new Models.Vulnerability.RatingRepository([
      new Models.Vulnerability.Rating({
        severity: SEVERITY[f.severity],
        method: Enums.Vulnerability.RatingMethod.Other,
        source: new Models.Vulnerability.Source({ name: 'inspector-classic-selfhosted' }),
        ...(v.severitySource ? { justification: v.severitySource } : {}),
      }),
    ]);
    if (v.cvss) {
      ratings.add(
        new Models.Vulnerability.Rating({
          score: v.cvss.baseScore,
          method: cvssMethod(v.cvss.version),
          vector: v.cvss.vector,
          ...(v.cvss.scoredBy ? { source: new Models.Vulnerability.Source({ name: v.cvss.scoredBy }) } : {}),
        }),
      );
    }
    const properties: Models.Property[] = [prop('inspector:fixState', v.fixState)];
    for (const p of v.packages)
      if (p.fixedVersion) properties.push(prop('inspector:fixedVersion', `${p.name} ${p.fixedVersion}`));
    if (v.epss)
      properties.push(
        prop('inspector:epssScore', String(v.epss.score)),
        prop('inspector:epssPercentile', String(v.epss.percentile)),
      );
    if (v.kev) properties.push(prop('inspector:cisaKevDateAdded', v.kev.dateAdded));
    let analysis: Models.Vulnerability.Analysis | undefined;
    if (f.suppression) {
      properties.push(prop('inspector:suppressionRuleId', f.suppression.suppressionRuleId));
      const vex = input.rules?.find((r) => r.suppressionRuleId === f.suppression?.suppressionRuleId)?.vex;
      const detail = `waived by ${f.suppression.suppressionRuleId} (owner ${f.suppression.owner}) until ${f.suppression.expiresOn}: ${f.suppression.reason}`;
      analysis =
        vex?.status === 'not_affected'
          ? new Models.Vulnerability.Analysis({
              state: Enums.Vulnerability.AnalysisState.NotAffected,
              justification: JUSTIFICATION[vex.justification],
              detail,
            })
          : new Models.Vulnerability.Analysis({
              state: Enums.Vulnerability.AnalysisState.Exploitable,
              response: new Enums.Vulnerability.AnalysisResponseRepository([
                Enums.Vulnerability.AnalysisResponse.WillNotFix,
              ]),
              detail: vex?.status === 'affected' ? `${detail}; action: ${vex.actionStatement}` : detail,
            });
    }
    const advisories = new Models.Vulnerability.AdvisoryRepository();
    for (const url of v.references)
      if (/^https?:\/\//.test(url)) advisories.add(new Models.Vulnerability.Advisory(url));
    bom.vulnerabilities.add(
      new Models.Vulnerability.Vulnerability({
        bomRef: `vuln:${v.vulnerabilityId}:${f.id}`,
        id: v.vulnerabilityId,
        description: f.description,
        recommendation: f.recommendation,
        ratings,
        affects: affected,
        advisories,
        properties: new Models.PropertyRepository(properties),
        ...(analysis ? { analysis } : {}),
      }),
    );
  }
  return bom;
}

/** The BOM as CycloneDX 1.6 JSON (lists sorted, so the same input gives the same document but for serial and time). */
export function serializeCycloneDx(bom: Models.Bom): string {
  const serializer = new Serialize.JsonSerializer(new Serialize.JSON.Normalize.Factory(Spec.Spec1dot6));
  return serializer.serialize(bom, { sortLists: true, space: 2 });
}
