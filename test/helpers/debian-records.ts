/** Debian 12 test material shared by the CVE tests: dpkg status stanzas and Debian OSV records. */

/** One stanza of /var/lib/dpkg/status (binary package, its version, its source when it differs). */
export const stanza = (pkg: string, version: string, source?: string, status = 'install ok installed') =>
  [
    `Package: ${pkg}`,
    `Status: ${status}`,
    'Priority: optional',
    'Architecture: amd64',
    ...(source ? [`Source: ${source}`] : []),
    `Version: ${version}`,
    'Description: test',
  ].join('\n');

/** A Debian OSV record (as OSV's Debian export writes them) of one source package in Debian 12. */
export const debianOsv = (id: string, source: string, events: object[], extra: object = {}) =>
  JSON.stringify({
    schema_version: '1.6.0',
    id,
    upstream: [id.replace(/^DEBIAN-/, '')],
    affected: [
      {
        package: { ecosystem: 'Debian:12', name: source },
        ranges: [{ type: 'ECOSYSTEM', events }],
        ...extra,
      },
    ],
  });
