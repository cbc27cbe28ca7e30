/**
 * Audit rules: the persistent rules (/etc/audit/rules.d/*.rules in name order, as augenrules merges them;
 * /etc/audit/audit.rules when rules.d holds none) and the loaded ones (`auditctl -l`, live hosts only).
 * Keys given as `-k` or `-F key=` are the same; rules split across files are one list.
 */
import { type AuditRule, parseAuditRules } from '../../parsers/audit-rules';
import { type Fact, type Facts, fact, noFact } from './facts';
import { commandOutput, directoryTexts, optionalText } from './host-config';

export const AUDIT_RULES_DIR = '/etc/audit/rules.d';
export const AUDIT_RULES_FILE = '/etc/audit/audit.rules';

export type AuditRuleAt = AuditRule & { file: string };

export interface AuditRules {
  source: 'rules.d' | 'audit.rules' | 'auditctl';
  files: string[];
  rules: AuditRuleAt[];
  problems: string[];
}

function parseInto(out: AuditRules, file: string, text: string): void {
  const p = parseAuditRules(text);
  for (const r of p.rules) out.rules.push({ ...r, file });
  for (const e of p.errors) out.problems.push(`${file} line ${e.line}: ${e.message}`);
}

export function persistentAuditRules(facts: Facts): Fact<AuditRules> {
  return facts.memo('audit-persistent', () => {
    const d = directoryTexts(facts, AUDIT_RULES_DIR, '.rules');
    if (!d.ok) return d;
    if (d.value.length > 0) {
      const out: AuditRules = { source: 'rules.d', files: [], rules: [], problems: [] };
      for (const f of d.value) {
        out.files.push(f.path);
        parseInto(out, f.path, f.text);
      }
      return fact(out);
    }
    const t = optionalText(facts, AUDIT_RULES_FILE);
    if (!t.ok) return t;
    if (!t.value) return noFact(`neither ${AUDIT_RULES_DIR}/*.rules nor ${AUDIT_RULES_FILE} exists`);
    const out: AuditRules = { source: 'audit.rules', files: [AUDIT_RULES_FILE], rules: [], problems: [] };
    parseInto(out, AUDIT_RULES_FILE, t.value.text);
    return fact(out);
  });
}

export function loadedAuditRules(facts: Facts): Fact<AuditRules> {
  return facts.memo('audit-loaded', () => {
    const o = commandOutput(facts, 'auditctl-rules');
    if (!o.ok) return o;
    if (o.value.exitCode !== 0) return noFact(`auditctl -l exited with ${o.value.exitCode}`);
    const out: AuditRules = { source: 'auditctl', files: [], rules: [], problems: [] };
    // "No rules" is what auditctl prints for an empty list.
    parseInto(out, 'auditctl -l', o.value.stdout.replace(/^No rules\s*$/m, ''));
    return fact(out);
  });
}

/** Rules carrying a key (whether given as `-k` or `-F key=`). */
export function rulesWithKey(rules: readonly AuditRuleAt[], key: string): AuditRuleAt[] {
  return rules.filter((r) => r.type !== 'control' && r.keys.includes(key));
}
