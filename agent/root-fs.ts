/**
 * Reads paths as if `root` were `/`: symlinks are resolved inside the root (an absolute link target
 * restarts at the root, `..` never climbs above it), so a mounted or unpacked file system is read
 * faithfully and nothing outside it is touched.
 */
import { constants, promises as fs, type Stats } from 'node:fs';
import path from 'node:path';
import type { MissingReason } from '../functions/core/telemetry/schema';

const MAX_LINK_HOPS = 40;

export class RootFs {
  readonly root: string;
  constructor(root: string) {
    this.root = path.resolve(root);
  }

  get isHostRoot(): boolean {
    return this.root === '/';
  }

  /** Host path of `p` (absolute inside the root) with every symlink resolved inside the root. */
  async resolve(p: string): Promise<string> {
    const parts = splitPath(p);
    const done: string[] = [];
    let hops = 0;
    while (parts.length > 0) {
      const part = parts.shift()!;
      if (part === '..') {
        done.pop();
        continue;
      }
      const candidate = [...done, part];
      const host = this.host(candidate);
      let st: Stats;
      try {
        st = await fs.lstat(host);
      } catch {
        // Nothing there: the rest cannot be links either; the caller's read reports the error.
        return this.host([...candidate, ...parts.filter((x) => x !== '..')]);
      }
      if (st.isSymbolicLink()) {
        if (++hops > MAX_LINK_HOPS)
          throw Object.assign(new Error(`too many symlinks at ${p}`), { code: 'ELOOP' });
        const target = await fs.readlink(host);
        if (target.startsWith('/')) done.length = 0;
        parts.unshift(...splitPath(target));
      } else {
        done.push(part);
      }
    }
    return this.host(done);
  }

  /** The in-root path that a host path stands for. */
  inRoot(hostPath: string): string {
    const rel = path.relative(this.root, hostPath);
    return `/${rel}`.replace(/\/+$/, '') || '/';
  }

  private host(parts: string[]): string {
    return path.join(this.root, ...parts);
  }
}

function splitPath(p: string): string[] {
  return p.split('/').filter((x) => x !== '' && x !== '.');
}

/** Map a Node fs error to the telemetry contract's reason. */
export function reasonOf(err: unknown): { reason: MissingReason; detail: string } {
  const e = err as NodeJS.ErrnoException;
  const detail = (e.message ?? String(err)).slice(0, 2048);
  switch (e.code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return { reason: 'not-found', detail };
    case 'EACCES':
    case 'EPERM':
      return { reason: 'permission-denied', detail };
    case 'EISDIR':
      return { reason: 'not-a-file', detail };
    case 'EFBIG':
      return { reason: 'too-large', detail };
    default:
      return { reason: 'error', detail };
  }
}

export async function isReadable(p: string): Promise<boolean> {
  try {
    await fs.access(p, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}
