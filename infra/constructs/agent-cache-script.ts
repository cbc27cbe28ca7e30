/**
 * The instance-side agent cache (issue 14, item 4): POSIX sh lines that define `agent_fetch URL SHA256`,
 * meant for the agent document's shell step once Dispatch passes a pre-signed S3 GET URL per artifact.
 *
 * The cache keeps one executable per version at `<root>/<sha256>/agent` (root-owned, directories mode
 * 0700), keyed by the SHA-256 of the DECOMPRESSED executable:
 * - present and its SHA-256 matches: nothing is downloaded (the check runs on every run);
 * - otherwise the gzip-compressed artifact is downloaded (curl, else wget), decompressed with `gzip -dc`
 *   (gzip is on every Linux AMI), its SHA-256 checked, and installed atomically (a temporary file in the same
 *   directory, chmod 0700, mv), so a run never sees a half-written agent;
 * - every use touches the version's directory; other cached versions are pruned once no run has used them
 *   for PRUNE_AFTER_MINUTES (longer than the longest run: 24 h of sampling plus the command margin), so two
 *   overlapping runs of different versions on one host (a deploy between them, two stacks assessing the same
 *   instance) never remove the agent the other is about to start; `KEEP` names directories to spare anyway.
 *
 * The URL is a bearer token: it reaches curl on stdin (`-K -`) and wget on stdin (`-i -`), never on a
 * command line (visible in ps) nor in a message.
 *
 * Exit codes (the document's others are 10..16): 11 the download is not the expected artifact (not gzip,
 * truncated, or its SHA-256 differs), 17 the download failed (no curl or wget, an HTTP or network error, or
 * the cache could not be written: full disk). On 11 and 17 no new agent or temporary file is left in the
 * cache (at most an empty directory of that version). Works under `set -u` (the document's shell step sets it).
 * Its own variables are named af_*, so a caller's are never overwritten; it sets only `$fetched`.
 *
 * Wired into the agent document's shell step (agent-distribution.ts): Dispatch passes a pre-signed URL per
 * artifact (functions/adapters/aws/agent-artifact-urls.ts). An empty URL is allowed: a cached version runs
 * without it, a missing one ends in exit 17.
 */

/** Where the verified agents are kept between runs. */
export const AGENT_CACHE_ROOT = '/var/lib/inspector-agent/cache';
/** The download failed (no curl/wget, HTTP or network error, cache not writable). */
export const EXIT_DOWNLOAD_FAILED = 17;
/** The downloaded artifact is not the expected one (not gzip, or SHA-256 mismatch). */
export const EXIT_SHA256_MISMATCH = 11;
/**
 * Minutes after its last use that another version's directory may be pruned: 26 h, more than the longest
 * run (86,400 s of sampling plus the default 600 s command margin), so a running agent is never removed.
 */
export const PRUNE_AFTER_MINUTES = 26 * 60;

/**
 * Shell lines defining `agent_fetch URL SHA256 [KEEP_SHA256...]`: on success it sets `$fetched` to the
 * verified executable's path; on failure it exits the script with 11 or 17.
 */
export function agentCacheScript(
  root: string = AGENT_CACHE_ROOT,
  pruneAfterMinutes: number = PRUNE_AFTER_MINUTES,
): string[] {
  if (!/^\/[A-Za-z0-9._/-]+$/.test(root))
    throw new Error(`agent cache root ${root} is not a plain absolute path`);
  if (!Number.isInteger(pruneAfterMinutes) || pruneAfterMinutes < 0)
    throw new Error(`prune delay ${pruneAfterMinutes} is not a whole number of minutes`);
  const fail = (code: number, message: string) => `echo "inspector: ${message}" >&2; exit ${code}`;
  return [
    `cache_root='${root}'`,
    // Other versions, unless named in KEEP or used less than pruneAfterMinutes ago (their directory's mtime).
    'agent_prune() {',
    '  for af_old in "$cache_root"/*; do',
    '    [ -d "$af_old" ] || continue',
    '    af_name="$(basename "$af_old")"',
    '    [ "$af_name" = "$af_want" ] && continue',
    '    af_spare=""',
    '    for af_k in "$@"; do [ "$af_name" = "$af_k" ] && af_spare=1; done',
    `    [ -z "$af_spare" ] && [ -n "$(find "$af_old" -maxdepth 0 -mmin -${pruneAfterMinutes} 2>/dev/null)" ] && af_spare=1`,
    '    [ -n "$af_spare" ] || rm -rf "$af_old"',
    '  done',
    '}',
    'agent_fetch() {',
    '  af_url="$1"; af_want="$2"; shift 2',
    '  case "$af_want" in',
    `    ''|*[!0-9a-f]*) ${fail(EXIT_SHA256_MISMATCH, 'the expected agent SHA-256 is not hex')} ;;`,
    '  esac',
    '  af_dir="$cache_root/$af_want"; af_target="$af_dir/agent"',
    '  af_old_umask="$(umask)"; umask 077',
    '  if ! mkdir -p "$af_dir" || ! chmod 0700 "$cache_root" "$af_dir"; then',
    `    ${fail(EXIT_DOWNLOAD_FAILED, 'cannot create the agent cache $af_dir')}`,
    '  fi',
    '  if [ -f "$af_target" ]; then',
    `    af_have="$(sha256sum "$af_target" | cut -d ' ' -f 1)"`,
    '    if [ "$af_have" = "$af_want" ]; then',
    '      touch "$af_dir"; agent_prune "$@"; umask "$af_old_umask"; fetched="$af_target"; return 0',
    '    fi',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a template
    '    echo "inspector: the cached agent $af_target has SHA-256 ${af_have:-unknown}, expected $af_want; downloading it again" >&2',
    '    rm -f "$af_target"',
    '  fi',
    // Temporary files of an interrupted download (older than an hour, so a concurrent run's are spared).
    `  find "$af_dir" -maxdepth 1 -name '.agent.*' -mmin +60 -exec rm -f {} + 2>/dev/null`,
    '  af_gz="$af_dir/.agent.$$.gz"; af_tmp="$af_dir/.agent.$$"',
    '  if command -v curl >/dev/null 2>&1; then',
    `    printf 'url = "%s"\\n' "$af_url" | curl -fsS --retry 3 --connect-timeout 20 -o "$af_gz" -K -`,
    '  elif command -v wget >/dev/null 2>&1; then',
    `    printf '%s\\n' "$af_url" | wget -q -t 3 -T 60 -O "$af_gz" -i -`,
    '  else',
    `    ${fail(EXIT_DOWNLOAD_FAILED, 'neither curl nor wget is installed: cannot download the agent')}`,
    '  fi',
    '  af_status=$?',
    '  if [ "$af_status" -ne 0 ]; then',
    '    rm -f "$af_gz"',
    `    ${fail(EXIT_DOWNLOAD_FAILED, 'downloading the agent artifact failed (status $af_status)')}`,
    '  fi',
    '  if ! gzip -t "$af_gz" 2>/dev/null; then',
    '    rm -f "$af_gz"',
    `    ${fail(EXIT_SHA256_MISMATCH, 'the downloaded agent artifact is not a valid gzip file; refusing to run it')}`,
    '  fi',
    // A valid gzip that cannot be written out: a full or read-only disk, a download-side failure.
    '  if ! gzip -dc "$af_gz" > "$af_tmp"; then',
    '    rm -f "$af_gz" "$af_tmp"',
    `    ${fail(EXIT_DOWNLOAD_FAILED, 'cannot decompress the agent into $af_dir (disk full?)')}`,
    '  fi',
    '  rm -f "$af_gz"',
    `  af_got="$(sha256sum "$af_tmp" | cut -d ' ' -f 1)"`,
    '  if [ -z "$af_got" ] || [ "$af_got" != "$af_want" ]; then',
    '    rm -f "$af_tmp"',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a template
    `    ${fail(EXIT_SHA256_MISMATCH, 'the downloaded agent has SHA-256 ${af_got:-unknown}, expected $af_want; refusing to run it')}`,
    '  fi',
    '  if ! chmod 0700 "$af_tmp" || ! mv -f "$af_tmp" "$af_target"; then',
    '    rm -f "$af_tmp"',
    `    ${fail(EXIT_DOWNLOAD_FAILED, 'cannot install the agent into $af_dir')}`,
    '  fi',
    '  touch "$af_dir"',
    '  agent_prune "$@"',
    '  umask "$af_old_umask"',
    '  fetched="$af_target"',
    '}',
  ];
}
