/**
 * Infrastructure figures: wall time of `cdk synth` (the CLI, offline, as a user runs it; every Lambda
 * bundled with the local esbuild), each Lambda bundle's minified size (index.js in its cdk.out asset
 * folder) and gzip size, the source map beside it, and the agent bundle / single executables.
 * Figures are printed, never asserted; the 500 KiB line (BUNDLE_LIMIT_BYTES) is marked. Contents and cold
 * init per bundle: bench/bundles.ts. Run: npx tsx bench/synth.ts
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { BUNDLE_LIMIT_BYTES } from '../infra/constructs/inspector-function';
import { AGENT_BUNDLE, AGENT_PLATFORMS, executablePath, REPO_ROOT } from '../scripts/build-agent';

const LIMIT = BUNDLE_LIMIT_BYTES;
const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;

interface TemplateResource {
  Type: string;
  Properties?: { Description?: string };
  Metadata?: Record<string, unknown>;
}

export async function infraBench(): Promise<void> {
  const outdir = mkdtempSync(path.join(os.tmpdir(), 'cdk.out-bench-'));
  try {
    console.log('# Infrastructure: cdk synth and bundle sizes');
    const started = performance.now();
    const r = spawnSync(
      'npx',
      ['cdk', 'synth', '--no-notices', '--quiet', '-o', outdir, '-c', 'inspector:agentExecutables=false'],
      {
        cwd: REPO_ROOT,
        encoding: 'utf8',
        env: { ...process.env, CDK_DISABLE_VERSION_CHECK: '1', CDK_DISABLE_CLI_TELEMETRY: 'true' },
      },
    );
    const wallMs = performance.now() - started;
    if (r.status !== 0) {
      console.log(`cdk synth failed (exit ${r.status}):\n${r.stderr.slice(-2000)}`);
      return;
    }
    console.log(
      `cdk synth wall time: ${(wallMs / 1000).toFixed(1)} s on ${os.cpus().length} cores (Node ${process.version})`,
    );

    const manifest = JSON.parse(readFileSync(path.join(outdir, 'manifest.json'), 'utf8')) as {
      artifacts: Record<string, { type: string; properties?: { templateFile?: string } }>;
    };
    const stackArtifact = Object.values(manifest.artifacts).find(
      (a) => a.type === 'aws:cloudformation:stack',
    );
    const template = JSON.parse(
      readFileSync(path.join(outdir, stackArtifact?.properties?.templateFile ?? ''), 'utf8'),
    ) as { Resources: Record<string, TemplateResource> };

    const rows: Array<{ name: string; bytes: number; gzip: number; map: number }> = [];
    for (const [id, res] of Object.entries(template.Resources)) {
      if (res.Type !== 'AWS::Lambda::Function') continue;
      const assetPath = res.Metadata?.['aws:asset:path'];
      if (typeof assetPath !== 'string') continue;
      const js = path.join(outdir, assetPath, 'index.js');
      if (!existsSync(js)) continue;
      const code = readFileSync(js);
      const mapFile = `${js}.map`;
      rows.push({
        name: id.replace(/Function[0-9A-F]{8}$/, ''),
        bytes: code.byteLength,
        gzip: gzipSync(code).byteLength,
        map: existsSync(mapFile) ? statSync(mapFile).size : 0,
      });
    }
    rows.sort((a, b) => b.bytes - a.bytes);
    console.log(`\nLambda bundles (minified index.js; limit ${kb(LIMIT)}):`);
    for (const row of rows) {
      console.log(
        `  ${row.name.padEnd(28)} ${kb(row.bytes).padStart(11)}  gzip ${kb(row.gzip).padStart(10)}  map ${kb(row.map).padStart(11)}  ${row.bytes < LIMIT ? 'ok' : `OVER ${kb(LIMIT)}`}`,
      );
    }
    const over = rows.filter((x) => x.bytes >= LIMIT).length;
    console.log(`  ${rows.length} bundles, ${over} over ${kb(LIMIT)}, largest ${kb(rows[0]?.bytes ?? 0)}`);

    console.log('\nAgent artifacts:');
    const agentFiles = [AGENT_BUNDLE, ...AGENT_PLATFORMS.map(executablePath)];
    for (const file of agentFiles) {
      if (!existsSync(file)) {
        console.log(`  ${path.relative(REPO_ROOT, file).padEnd(28)} not built (npm run build:agent)`);
        continue;
      }
      const data = readFileSync(file);
      console.log(
        `  ${path.relative(REPO_ROOT, file).padEnd(28)} ${kb(data.byteLength).padStart(13)}  gzip ${kb(gzipSync(data).byteLength).padStart(12)}`,
      );
    }
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await infraBench();
