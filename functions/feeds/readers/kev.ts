/** CISA Known Exploited Vulnerabilities catalogue (known_exploited_vulnerabilities.json). Pure. */
import * as z from 'zod';
import type { FeedError, KevCatalog, KevEntry } from '../model';

const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD');
const entrySchema = z.object({
  cveID: z.string().regex(/^CVE-\d{4}-\d{4,}$/, 'must be a CVE id'),
  dateAdded: date,
  dueDate: date,
  knownRansomwareCampaignUse: z.string().optional(),
  vulnerabilityName: z.string().optional(),
});
const catalogSchema = z.object({
  catalogVersion: z.string().min(1),
  dateReleased: z.string().optional(),
  vulnerabilities: z.array(z.unknown()),
});

/** Is this parsed JSON value a KEV catalogue (rather than an OSV record)? */
export function looksLikeKev(value: unknown): boolean {
  return !!value && typeof value === 'object' && 'catalogVersion' in value && 'vulnerabilities' in value;
}

export function readKev(value: unknown, source: string): { catalog?: KevCatalog; errors: FeedError[] } {
  const head = catalogSchema.safeParse(value);
  if (!head.success) {
    const issue = head.error.issues[0];
    return {
      errors: [
        {
          source,
          message: `not a KEV catalogue: ${issue?.path.join('.') || '(document)'}: ${issue?.message}`,
        },
      ],
    };
  }
  const errors: FeedError[] = [];
  const entries: KevEntry[] = [];
  head.data.vulnerabilities.forEach((v, i) => {
    const e = entrySchema.safeParse(v);
    if (!e.success) {
      const issue = e.error.issues[0];
      errors.push({
        source: `${source} vulnerabilities[${i}]`,
        message: `KEV entry is invalid: ${issue?.path.join('.') || '(entry)'}: ${issue?.message}`,
      });
      return;
    }
    const entry: KevEntry = { cve: e.data.cveID, dateAdded: e.data.dateAdded, dueDate: e.data.dueDate };
    if (e.data.knownRansomwareCampaignUse)
      entry.knownRansomwareCampaignUse = e.data.knownRansomwareCampaignUse;
    if (e.data.vulnerabilityName) entry.vulnerabilityName = e.data.vulnerabilityName;
    entries.push(entry);
  });
  const catalog: KevCatalog = { catalogVersion: head.data.catalogVersion, entries };
  if (head.data.dateReleased) catalog.dateReleased = head.data.dateReleased;
  return { catalog, errors };
}
