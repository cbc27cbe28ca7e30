/**
 * The rules packages this build knows, by id (Classic's names in kebab-case). A package that needs data
 * (cve needs a vulnerability feed) is built by a loader; a known package not built yet is refused with a
 * clear message rather than skipped.
 */
import type { RulesPackage } from '../core/rule';
import { RULES_PACKAGE_IDS, rulesPackageInfo } from './catalog';
import { runtimeBehaviorAnalysisPackage } from './runtime-behavior-analysis';
import { securityBestPracticesPackage } from './security-best-practices';

export { RULES_PACKAGE_IDS } from './catalog';

export class UnknownRulesPackageError extends Error {
  override readonly name = 'UnknownRulesPackageError';
}

export interface ResolveOptions {
  /** Builds the cve package (loads the feed index); absent when no feed is available. */
  loadCve?: () => Promise<RulesPackage>;
  /**
   * Builds the cis package. Its code and benchmark data ship only where it is evaluated (the local CLI,
   * the evaluate Lambda), so the registry does not import it: the caller passes the loader.
   */
  loadCis?: () => Promise<RulesPackage>;
  /** False when the assessed root has no /proc to sample (a mounted image): runtime analysis cannot run. */
  runtimeAvailable?: boolean;
}

/**
 * Packages that run when none are named: every package that can run with what is available. The runtime
 * package needs a /proc to sample: without one (a --root of a mounted image) it is left out of the
 * defaults; named explicitly, its rules say ERROR with the reason. `cis` is not a default yet (part of its
 * controls have no evaluator in this version): it runs when named.
 */
export function defaultRulesPackageIds(opts: ResolveOptions): string[] {
  const local = ['security-best-practices'];
  if (opts.runtimeAvailable !== false) local.push('runtime-behavior-analysis');
  return opts.loadCve ? [...local, 'cve'] : local;
}

export async function resolveRulesPackages(
  ids: readonly string[],
  opts: ResolveOptions = {},
): Promise<RulesPackage[]> {
  const out: RulesPackage[] = [];
  for (const id of [...new Set(ids)]) {
    switch (id) {
      case 'security-best-practices':
        out.push(securityBestPracticesPackage);
        break;
      case 'runtime-behavior-analysis':
        out.push(runtimeBehaviorAnalysisPackage);
        break;
      case 'cve':
        if (!opts.loadCve) {
          throw new UnknownRulesPackageError(
            'rules package cve needs a vulnerability feed: run `inspector feeds import PATH` or pass --feed PATH',
          );
        }
        out.push(await opts.loadCve());
        break;
      case 'cis':
        if (!opts.loadCis) {
          throw new UnknownRulesPackageError(
            'rules package cis is not loaded in this process (only the evaluation carries its benchmark data)',
          );
        }
        out.push(await opts.loadCis());
        break;
      case 'network-reachability':
        // Not a per-instance package: the run evaluates it once over the EC2 configuration.
        throw new UnknownRulesPackageError(
          'rules package network-reachability is evaluated once per run over the EC2 configuration, not on one instance (the cloud EvaluateNetwork state; locally assess --ec2-config DIR --ec2-instance-id ID)',
        );
      default:
        if (rulesPackageInfo(id)) {
          throw new UnknownRulesPackageError(`rules package ${id} is not available in this version yet`);
        }
        throw new UnknownRulesPackageError(
          `unknown rules package ${JSON.stringify(id)}; known: ${RULES_PACKAGE_IDS.join(', ')}`,
        );
    }
  }
  return out;
}
