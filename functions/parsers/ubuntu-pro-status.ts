/**
 * The Ubuntu Pro client's status cache, /var/lib/ubuntu-advantage/status.json: the document `pro status
 * --format json` prints, written by the client (ubuntu-pro-client, uaclient/files/state_files.py:
 * `status_cache_file`, public, i.e. world-readable) each time it computes the status. The parts read here:
 *
 *   { "_schema_version": "0.1", "version": "32.3~24.04", "attached": true, "expires": "...",
 *     "services": [ { "name": "esm-apps", "entitled": "yes", "status": "enabled", ... }, ... ], ... }
 *
 * Unattached machines list services with `available` only (no `status`). A service's `status` is one of
 * `enabled`, `disabled`, `n/a` and `—` (features/schemas/ua_status.json). Pure: text in, status or error out.
 */

export interface UbuntuProService {
  name: string;
  /** enabled, disabled, n/a, — (absent on unattached machines). */
  status?: string;
  /** yes / no (absent on unattached machines). */
  entitled?: string;
}

export interface UbuntuProStatus {
  attached: boolean;
  services: UbuntuProService[];
  /** The client's version (`version`), when present. */
  clientVersion?: string;
  /** When the subscription ends (`expires`), when present. */
  expires?: string;
}

export type UbuntuProStatusParse = { ok: true; value: UbuntuProStatus } | { ok: false; error: string };

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export function parseUbuntuProStatus(text: string): UbuntuProStatusParse {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    return { ok: false, error: `not JSON: ${(err as Error).message}` };
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return { ok: false, error: 'not a JSON object' };
  const d = doc as Record<string, unknown>;
  if (typeof d.attached !== 'boolean') return { ok: false, error: '"attached" is not true or false' };
  if (d.services !== undefined && !Array.isArray(d.services))
    return { ok: false, error: '"services" is not a list' };
  const services: UbuntuProService[] = [];
  for (const s of (d.services as unknown[] | undefined) ?? []) {
    if (!s || typeof s !== 'object') continue;
    const o = s as Record<string, unknown>;
    const name = str(o.name);
    if (!name) continue;
    const svc: UbuntuProService = { name };
    const status = str(o.status);
    if (status !== undefined) svc.status = status;
    const entitled = str(o.entitled);
    if (entitled !== undefined) svc.entitled = entitled;
    services.push(svc);
  }
  const value: UbuntuProStatus = { attached: d.attached, services };
  const version = str(d.version);
  if (version) value.clientVersion = version;
  const expires = str(d.expires);
  if (expires) value.expires = expires;
  return { ok: true, value };
}

/** Services the host can install fixes from: attached, and the service's status is `enabled`. */
export function enabledProServices(status: UbuntuProStatus): string[] {
  if (!status.attached) return [];
  return status.services.filter((s) => s.status === 'enabled').map((s) => s.name);
}
