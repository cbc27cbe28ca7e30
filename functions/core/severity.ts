/** Classic's four severities and their numeric values. */
export const SEVERITIES = ['High', 'Medium', 'Low', 'Informational'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const NUMERIC_SEVERITY: Readonly<Record<Severity, number>> = {
  High: 9,
  Medium: 6,
  Low: 3,
  Informational: 0,
};

/** Order for sorting: High first. */
export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

export function isSeverity(s: string): s is Severity {
  return (SEVERITIES as readonly string[]).includes(s);
}
