/**
 * The Ubuntu Pro client's status cache, /var/lib/ubuntu-advantage/status.json: the document `pro status
 * --format json` prints, written by the client (ubuntu-pro-client, uaclient/files/state_files.py:
 * `status_cache_file`, public, i.e. world-readable) each time it computes the status. The parts read here:
 *
 *   { "_schema_version": "0.1", "version": "32.3~24.04", "attached": true, "expires": "...",
 *     "services": [ { "name": "esm-apps", "entitled": "yes", "status": "enabled", ... }, ... ], ... }
 *
 * Unattached machines list services with `available` only (no `status`). A service's `status` is one of
 * `enabled`, `disabled`, `n/a` and `—` (features/schemas/ua_status.json). `expires` is the contract's end
 * (`effectiveTo`), written by the client's JSON encoder as a Python `isoformat()` datetime
 * (`2030-06-09T18:14:55.323733+00:00`), `null` when unattached or open-ended (schema: null or string), and
 * `"n/a"` in status files of older clients. Nothing in the document marks the end of the contract but
 * `expires`: a host whose `expires` has passed can still say `attached` with its services `enabled`, while
 * the Pro archives no longer serve it. Pure: text in, status or error out.
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
  /** `expires` as epoch milliseconds, when it is a date (naive datetimes taken as UTC). */
  expiresMs?: number;
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
  if (expires) {
    value.expires = expires;
    const ms = expiresMs(expires);
    if (ms !== undefined) value.expiresMs = ms;
  }
  return { ok: true, value };
}

const ISO_DATETIME =
  /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?))?(?:(Z)|([+-]\d{2}):?(\d{2}))?$/i;

/** An ISO 8601 date or datetime in epoch ms (no offset: UTC); undefined for anything else ("n/a"). */
function expiresMs(text: string): number | undefined {
  const m = ISO_DATETIME.exec(text.trim());
  if (!m) return undefined;
  const [, date, time = '00:00', , oh, om] = m;
  const ms = Date.parse(`${date}T${time}${oh ? `${oh}:${om}` : 'Z'}`);
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * Has the contract ended at `at` (an ISO time, e.g. when the telemetry was collected)? False when the file
 * names no end date or `at` is not a date.
 */
export function proContractExpired(status: UbuntuProStatus, at: string | undefined): boolean {
  if (status.expiresMs === undefined || at === undefined) return false;
  const now = Date.parse(at);
  return Number.isFinite(now) && status.expiresMs <= now;
}

/**
 * Services the host can install fixes from: attached, the service's status is `enabled`, and (given the time
 * `at`) the contract has not expired by then.
 */
export function enabledProServices(status: UbuntuProStatus, at?: string): string[] {
  if (!status.attached || proContractExpired(status, at)) return [];
  return status.services.filter((s) => s.status === 'enabled').map((s) => s.name);
}
