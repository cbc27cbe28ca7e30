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
 * - other cached versions are pruned (`keep` names directories to spare, e.g. the legacy artifact's).
 *
 * The URL is a bearer token: it reaches curl on stdin (`-K -`) and wget on stdin (`-i -`), never on a
 * command line (visible in ps) nor in a message.
 *
 * Exit codes (the document's others are 10..16): 11 the download is not the expected artifact (not gzip,
 * truncated, or its SHA-256 differs), 17 the download failed (no curl or wget, an HTTP or network error, or
 * the cache could not be written: full disk). On 11 and 17 no new agent or temporary file is left in the
 * cache (at most an empty directory of that version). Works under `set -u` (the document's shell step sets it).
 *
 * NOT WIRED YET: the document still uses aws:downloadContent (see the README section "The agent
 * download"); wiring needs Dispatch to pre-sign the URLs.
 */

/** Where the verified agents are kept between runs. */
export const AGENT_CACHE_ROOT = '/var/lib/inspector-agent/cache';
/** The download failed (no curl/wget, HTTP or network error, cache not writable). */
export const EXIT_DOWNLOAD_FAILED = 17;
/** The downloaded artifact is not the expected one (not gzip, or SHA-256 mismatch). */
export const EXIT_SHA256_MISMATCH = 11;

/**
 * Shell lines defining `agent_fetch URL SHA256 [KEEP_SHA256...]`: on success it sets `$fetched` to the
 * verified executable's path; on failure it exits the script with 11 or 17.
 */
export function agentCacheScript(root: string = AGENT_CACHE_ROOT): string[] {
  if (!/^\/[A-Za-z0-9._/-]+$/.test(root))
    throw new Error(`agent cache root ${root} is not a plain absolute path`);
  const fail = (code: number, message: string) => `echo "inspector: ${message}" >&2; exit ${code}`;
  return [
    `cache_root='${root}'`,
    'agent_fetch() {',
    '  url="$1"; want="$2"; shift 2',
    '  case "$want" in',
    `    ''|*[!0-9a-f]*) ${fail(EXIT_SHA256_MISMATCH, 'the expected agent SHA-256 is not hex')} ;;`,
    '  esac',
    '  dir="$cache_root/$want"; target="$dir/agent"',
    '  old_umask="$(umask)"; umask 077',
    '  if ! mkdir -p "$dir" || ! chmod 0700 "$cache_root" "$dir"; then',
    `    ${fail(EXIT_DOWNLOAD_FAILED, 'cannot create the agent cache $dir')}`,
    '  fi',
    '  if [ -f "$target" ]; then',
    `    have="$(sha256sum "$target" | cut -d ' ' -f 1)"`,
    '    if [ "$have" = "$want" ]; then fetched="$target"; umask "$old_umask"; return 0; fi',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a template
    '    echo "inspector: the cached agent $target has SHA-256 ${have:-unknown}, expected $want; downloading it again" >&2',
    '    rm -f "$target"',
    '  fi',
    // Temporary files of an interrupted download (older than an hour, so a concurrent run's are spared).
    `  find "$dir" -maxdepth 1 -name '.agent.*' -mmin +60 -exec rm -f {} + 2>/dev/null`,
    '  gz="$dir/.agent.$$.gz"; tmp="$dir/.agent.$$"',
    '  if command -v curl >/dev/null 2>&1; then',
    `    printf 'url = "%s"\\n' "$url" | curl -fsS --retry 3 --connect-timeout 20 -o "$gz" -K -`,
    '  elif command -v wget >/dev/null 2>&1; then',
    `    printf '%s\\n' "$url" | wget -q -t 3 -T 60 -O "$gz" -i -`,
    '  else',
    `    ${fail(EXIT_DOWNLOAD_FAILED, 'neither curl nor wget is installed: cannot download the agent')}`,
    '  fi',
    '  status=$?',
    '  if [ "$status" -ne 0 ]; then',
    '    rm -f "$gz"',
    `    ${fail(EXIT_DOWNLOAD_FAILED, 'downloading the agent artifact failed (status $status)')}`,
    '  fi',
    '  if ! gzip -t "$gz" 2>/dev/null; then',
    '    rm -f "$gz"',
    `    ${fail(EXIT_SHA256_MISMATCH, 'the downloaded agent artifact is not a valid gzip file; refusing to run it')}`,
    '  fi',
    // A valid gzip that cannot be written out: a full or read-only disk, a download-side failure.
    '  if ! gzip -dc "$gz" > "$tmp"; then',
    '    rm -f "$gz" "$tmp"',
    `    ${fail(EXIT_DOWNLOAD_FAILED, 'cannot decompress the agent into $dir (disk full?)')}`,
    '  fi',
    '  rm -f "$gz"',
    `  got="$(sha256sum "$tmp" | cut -d ' ' -f 1)"`,
    '  if [ -z "$got" ] || [ "$got" != "$want" ]; then',
    '    rm -f "$tmp"',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a template
    `    ${fail(EXIT_SHA256_MISMATCH, 'the downloaded agent has SHA-256 ${got:-unknown}, expected $want; refusing to run it')}`,
    '  fi',
    '  if ! chmod 0700 "$tmp" || ! mv -f "$tmp" "$target"; then',
    '    rm -f "$tmp"',
    `    ${fail(EXIT_DOWNLOAD_FAILED, 'cannot install the agent into $dir')}`,
    '  fi',
    '  for old in "$cache_root"/*; do',
    '    [ -d "$old" ] || continue',
    '    name="$(basename "$old")"',
    '    [ "$name" = "$want" ] && continue',
    '    spare=""',
    '    for k in "$@"; do [ "$name" = "$k" ] && spare=1; done',
    '    [ -n "$spare" ] || rm -rf "$old"',
    '  done',
    '  umask "$old_umask"',
    '  fetched="$target"',
    '}',
  ];
}
