#!/usr/bin/env node
// `npm start`: build the CLI when dist/cli is older than its sources (scripts/build-cli.ts, esbuild), then run
// it in this process with the arguments given (package.json's start script passes `assess ...`). Plain
// JavaScript: when nothing changed it costs a few stats, not a TypeScript loader.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { staleReason } from './cli-build-state.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.join(root, 'dist', 'cli');
const why = staleReason(outDir, root);
if (why !== undefined) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/build-cli.ts', '--quiet'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (r.status !== 0) {
    process.stderr.write(`inspector: building dist/cli failed (${why}); see above\n`);
    process.exit(r.status ?? 1);
  }
}
await import(pathToFileURL(path.join(outDir, 'inspector.mjs')).href);
