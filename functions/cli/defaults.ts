/** Defaults the command definitions show in `--help`, kept apart from the code that uses them so `--help` loads none of it. */

/** `assess --feed-sync-timeout`: seconds the first run's feed download may take (first-run-feed.ts). */
export const FIRST_RUN_TIMEOUT_SECONDS = 120;

/**
 * `feeds sync --only`: the official sources' names, as feeds/sync.ts's OFFICIAL_SOURCES gives them
 * (test/unit/cli/defaults.test.ts keeps the two equal).
 */
export const FEED_SOURCE_NAMES: readonly string[] = [
  'osv:Debian',
  'osv:Ubuntu',
  'osv:AlmaLinux',
  'osv:Rocky Linux',
  'osv:Alpine',
  'alas:amazon-linux-2023',
  'alas:amazon-linux-2',
  'cisa-kev',
  'first-epss',
  'debian-security-tracker',
  'cve-records',
];
