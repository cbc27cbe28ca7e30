/**
 * Suppression rules of local runs: <dataDir>/suppressions.json (the rules, rewritten atomically: temporary
 * file, then rename) and <dataDir>/suppressions-audit.jsonl (one JSON audit entry a line, only ever
 * appended). A lock file (<dataDir>/suppressions.lock, created exclusively) keeps two `inspector` processes
 * from losing each other's change. The audit entry is appended before the rules file is replaced, so no change
 * is ever left unaudited; a crash between the two leaves an entry for a change that did not land, which the
 * rules file (the state) shows.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import * as z from 'zod';
import {
  pageAudit,
  type SuppressionAuditEntry,
  type SuppressionAuditPage,
  type SuppressionAuditQuery,
  type SuppressionRule,
  suppressionAuditEntrySchema,
  suppressionRuleSchema,
} from '../../core/suppressions';
import type { SuppressionStore } from '../../ports/suppression-store';

export const SUPPRESSIONS_FILE = 'suppressions.json';
export const SUPPRESSIONS_AUDIT_FILE = 'suppressions-audit.jsonl';
const LOCK_FILE = 'suppressions.lock';
/** The rules file is small (≤ 1000 rules of a few KB); anything larger is not ours. */
const MAX_FILE_BYTES = 16 * 1024 * 1024;

const fileSchema = z.strictObject({ version: z.literal(1), rules: z.array(suppressionRuleSchema) });

export class SuppressionFileError extends Error {
  override readonly name = 'SuppressionFileError';
}

export class LocalSuppressionStore implements SuppressionStore {
  readonly file: string;
  readonly auditFile: string;
  private readonly lockFile: string;

  constructor(
    readonly dataDir: string,
    private readonly lockWait = { attempts: 50, delayMs: 100 },
  ) {
    this.file = path.join(dataDir, SUPPRESSIONS_FILE);
    this.auditFile = path.join(dataDir, SUPPRESSIONS_AUDIT_FILE);
    this.lockFile = path.join(dataDir, LOCK_FILE);
  }

  async list(): Promise<SuppressionRule[]> {
    let raw: string;
    try {
      const stat = await fs.stat(this.file);
      if (stat.size > MAX_FILE_BYTES)
        throw new SuppressionFileError(
          `${this.file} is ${stat.size} bytes, over ${MAX_FILE_BYTES}: not read`,
        );
      raw = await fs.readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch (err) {
      throw new SuppressionFileError(`${this.file} is not JSON: ${(err as Error).message}`);
    }
    const parsed = fileSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new SuppressionFileError(
        `${this.file} is not a suppressions file: ${issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid'}`,
      );
    }
    return parsed.data.rules;
  }

  async audit(): Promise<SuppressionAuditEntry[]> {
    let raw: string;
    try {
      raw = await fs.readFile(this.auditFile, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const entries: SuppressionAuditEntry[] = [];
    for (const [i, line] of raw.split('\n').entries()) {
      if (line.trim() === '') continue;
      let json: unknown;
      try {
        json = JSON.parse(line);
      } catch {
        throw new SuppressionFileError(`${this.auditFile} line ${i + 1} is not JSON`);
      }
      const parsed = suppressionAuditEntrySchema.safeParse(json);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new SuppressionFileError(
          `${this.auditFile} line ${i + 1} is not an audit entry: ${issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid'}`,
        );
      }
      entries.push(parsed.data);
    }
    return entries;
  }

  async auditPage(query: SuppressionAuditQuery): Promise<SuppressionAuditPage> {
    return pageAudit(await this.audit(), query);
  }

  async create(rule: SuppressionRule, audit: SuppressionAuditEntry): Promise<void> {
    await this.locked(async () => {
      const rules = await this.list();
      if (rules.some((r) => r.suppressionRuleId === rule.suppressionRuleId))
        throw new SuppressionFileError(`suppression rule ${rule.suppressionRuleId} exists already`);
      await this.appendAudit(audit);
      await this.write([...rules, rule]);
    });
  }

  async delete(
    suppressionRuleId: string,
    audit: (rule: SuppressionRule) => SuppressionAuditEntry,
  ): Promise<SuppressionRule | undefined> {
    return this.locked(async () => {
      const rules = await this.list();
      const rule = rules.find((r) => r.suppressionRuleId === suppressionRuleId);
      if (!rule) return undefined;
      await this.appendAudit(audit(rule));
      await this.write(rules.filter((r) => r !== rule));
      return rule;
    });
  }

  private async appendAudit(entry: SuppressionAuditEntry): Promise<void> {
    await fs.mkdir(this.dataDir, { recursive: true, mode: 0o700 });
    // O_APPEND: each entry lands whole at the end, after every earlier one.
    await fs.appendFile(this.auditFile, `${JSON.stringify(entry)}\n`, { mode: 0o600, flag: 'a' });
  }

  private async write(rules: SuppressionRule[]): Promise<void> {
    const tmp = `${this.file}.${randomBytes(6).toString('hex')}.tmp`;
    await fs.writeFile(tmp, `${JSON.stringify({ version: 1, rules }, null, 2)}\n`, { mode: 0o600 });
    await fs.rename(tmp, this.file);
  }

  private async locked<T>(fn: () => Promise<T>): Promise<T> {
    await fs.mkdir(this.dataDir, { recursive: true, mode: 0o700 });
    let handle: fs.FileHandle | undefined;
    for (let attempt = 0; !handle; attempt++) {
      try {
        handle = await fs.open(this.lockFile, 'wx', 0o600);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        if (attempt + 1 >= this.lockWait.attempts) {
          throw new SuppressionFileError(
            `${this.lockFile} is held by another inspector process (remove it if none is running)`,
          );
        }
        await new Promise((r) => setTimeout(r, this.lockWait.delayMs));
      }
    }
    try {
      await handle.writeFile(String(process.pid));
      return await fn();
    } finally {
      await handle.close();
      await fs.rm(this.lockFile, { force: true });
    }
  }
}
