/**
 * Paths of the telemetry contract that rules and facts need as constants (re-exported by schema.ts): kept
 * apart from the zod schema so that code needing only these does not load zod with it.
 */
import type { FileRecord } from './schema';

/** System directories the agent stats (owner, mode), judged by sbp.system-dir-permissions. */
export const SYSTEM_DIRECTORIES = [
  '/bin',
  '/sbin',
  '/usr/bin',
  '/usr/sbin',
  '/lib',
  '/lib64',
  '/usr/lib',
  '/usr/lib64',
  '/usr/local/bin',
  '/usr/local/sbin',
  '/etc',
  '/boot',
] as const;

/** systemd unit directories, highest precedence first: the agent lists them (names, link targets), the
 * evaluator reads units and their wants/mask links from those listings. */
export const SYSTEMD_UNIT_DIRECTORIES = [
  '/etc/systemd/system',
  '/run/systemd/system',
  '/usr/local/lib/systemd/system',
  '/usr/lib/systemd/system',
  '/lib/systemd/system',
] as const;

/** Decode a collected file's content to text (base64 content is decoded as latin1 to stay lossless). */
export function fileText(record: FileRecord): string | undefined {
  if (record.status !== 'ok') return undefined;
  return record.encoding === 'utf8'
    ? record.content
    : Buffer.from(record.content, 'base64').toString('latin1');
}
