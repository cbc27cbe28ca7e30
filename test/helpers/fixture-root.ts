/**
 * Builds real root trees on disk for agent and rule tests: files with content and mode, directories with
 * mode, symlinks, and a fake /proc/sys. Every root is removed by `cleanupRoots()`.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface RootSpec {
  /** path inside the root → content (string) or { content, mode }. */
  files?: Record<string, string | { content: string | Buffer; mode?: number }>;
  /** directories to create, with an optional mode (default 0755). */
  dirs?: Record<string, number | undefined>;
  /** link path → link target (as written, relative or absolute). */
  symlinks?: Record<string, string>;
  /** kernel parameters written as /proc/sys files (dotted keys). */
  sysctl?: Record<string, string>;
}

const created: string[] = [];

export function makeRoot(spec: RootSpec = {}): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'inspector-root-'));
  created.push(root);
  for (const [p, mode] of Object.entries(spec.dirs ?? {})) {
    const full = path.join(root, p);
    mkdirSync(full, { recursive: true });
    chmodSync(full, mode ?? 0o755);
  }
  for (const [key, value] of Object.entries(spec.sysctl ?? {})) {
    const full = path.join(root, 'proc/sys', ...key.split('.'));
    mkdirSync(path.dirname(full), { recursive: true });
    writeFileSync(full, `${value}\n`);
  }
  for (const [p, v] of Object.entries(spec.files ?? {})) {
    const full = path.join(root, p);
    mkdirSync(path.dirname(full), { recursive: true });
    const { content, mode } = typeof v === 'string' ? { content: v, mode: undefined } : v;
    writeFileSync(full, content);
    if (mode !== undefined) chmodSync(full, mode);
  }
  for (const [p, target] of Object.entries(spec.symlinks ?? {})) {
    const full = path.join(root, p);
    mkdirSync(path.dirname(full), { recursive: true });
    symlinkSync(target, full);
  }
  return root;
}

export function cleanupRoots(): void {
  for (const r of created.splice(0)) rmSync(r, { recursive: true, force: true });
}
