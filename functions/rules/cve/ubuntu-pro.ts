/**
 * Ubuntu Pro on the assessed host. Ubuntu publishes fixes for packages past standard support (esm-infra: main
 * and restricted of older LTS releases) and for universe/multiverse (esm-apps) only in the Pro archives, as
 * `Ubuntu:Pro:<release>` OSV records, compiled into the `ubuntu:pro-<release>` index. Those fixes are matched
 * like any other; whether the host can install them decides how they are reported: a host attached to Pro with
 * the service enabled gets the usual upgrade, any other host gets "fix available with Ubuntu Pro (<service>)".
 * The host's state comes from the Pro client's status cache (/var/lib/ubuntu-advantage/status.json); a contract
 * whose `expires` is at or before the telemetry's collection time counts as no Pro (the cache can still say
 * attached and enabled after the end date, but the Pro archives no longer serve the machine).
 *
 * Only fixes that are Ubuntu ESM builds (`+esm1`, `~esm2`: see match.ts) are Pro-only: Ubuntu files every
 * entry of a release past standard support under Ubuntu:Pro:<release>, including fixes shipped in the public
 * archive while the release was supported; those are reported like any public fix.
 */
import type { Facts } from '../../core/facts/facts';
import type { Evidence } from '../../core/model';
import type { ProService } from '../../feeds/model';
import {
  enabledProServices,
  parseUbuntuProStatus,
  proContractExpired,
} from '../../parsers/ubuntu-pro-status';

export const PRO_STATUS_FILE = '/var/lib/ubuntu-advantage/status.json';

export interface UbuntuProHost {
  attached: boolean;
  /** Enabled Pro services (esm-infra, esm-apps, livepatch, ...). */
  enabled: ReadonlySet<string>;
  /** One line for evidence: what the status file said, or why it could not be read. */
  note: string;
  /** Attached, but the contract had ended (status.json `expires`) when the telemetry was collected. */
  expired?: string;
}

export function ubuntuProHost(facts: Facts): UbuntuProHost {
  return facts.memo('cve.ubuntu-pro', () => {
    const t = facts.text(PRO_STATUS_FILE);
    if (!t.ok) {
      const why = facts.isAbsent(PRO_STATUS_FILE) ? `${PRO_STATUS_FILE} does not exist` : t.reason;
      return { attached: false, enabled: new Set<string>(), note: `not attached to Ubuntu Pro (${why})` };
    }
    const parsed = parseUbuntuProStatus(t.value.text);
    if (!parsed.ok)
      return {
        attached: false,
        enabled: new Set<string>(),
        note: `${PRO_STATUS_FILE} could not be read (${parsed.error}): taken as not attached`,
      };
    const collectedAt = facts.telemetry.collection?.finishedAt;
    const status = parsed.value;
    if (status.attached && proContractExpired(status, collectedAt))
      return {
        attached: true,
        enabled: new Set<string>(),
        note: `attached to Ubuntu Pro, but the subscription expired on ${status.expires} (before this collection, ${collectedAt}): Pro archives not available`,
        expired: status.expires!,
      };
    const enabled = new Set(enabledProServices(status, collectedAt));
    const esm = ['esm-infra', 'esm-apps'].filter((s) => enabled.has(s));
    return {
      attached: status.attached,
      enabled,
      note: status.attached
        ? `attached to Ubuntu Pro; ESM services enabled: ${esm.join(', ') || 'none'}`
        : 'not attached to Ubuntu Pro',
    };
  });
}

/** Can the host install a fix from this Pro service (unknown service: only with both ESM services enabled)? */
export function proFixInstallable(host: UbuntuProHost | undefined, service: ProService | undefined): boolean {
  if (!host?.attached || host.expired) return false;
  return service ? host.enabled.has(service) : host.enabled.has('esm-infra') && host.enabled.has('esm-apps');
}

/** "Ubuntu Pro (esm-apps)", or "Ubuntu Pro" when the record does not say which archive. */
export function proLabel(service: ProService | undefined): string {
  return service ? `Ubuntu Pro (${service})` : 'Ubuntu Pro';
}

/** What to run before the upgrade can fetch the fix. */
export function proEnableSteps(
  host: UbuntuProHost | undefined,
  services: readonly (ProService | undefined)[],
): string {
  const named = [...new Set(services.filter((s): s is ProService => s !== undefined))].sort();
  const enable = named.length ? named : ['esm-infra', 'esm-apps'];
  if (host?.attached && host.expired)
    return `renew the Ubuntu Pro subscription (it expired on ${host.expired}), refresh the machine's contract (\`pro refresh\`) with ${enable.join(' and ')} enabled`;
  return host?.attached
    ? `enable ${enable.join(' and ')} (\`pro enable ${enable.join(' ')}\`)`
    : `attach this machine to Ubuntu Pro (\`pro attach\`; free for personal use) with ${enable.join(' and ')} enabled`;
}

export function proEvidence(host: UbuntuProHost): Evidence {
  return { source: PRO_STATUS_FILE, key: 'attached', value: String(host.attached), note: host.note };
}
