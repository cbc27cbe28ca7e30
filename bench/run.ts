/**
 * `npm run bench`: every benchmark, one after the other, each printing its figures and the command that
 * reproduces it. Figures are printed, never asserted. `npm run bench -- agent envelope` runs a subset.
 * Each benchmark is imported when it runs, so a subset does not load the others (the 1,000-instance run
 * pulls in the local state machine harness, synth pulls in the CDK app).
 */
export {};

const benches: Record<string, () => Promise<void>> = {
  agent: async () => (await import('./agent')).agentBench(),
  'agent-runtime': async () => (await import('./agent-runtime')).agentRuntimeBench(),
  envelope: async () => (await import('./envelope')).envelopeBench(),
  evaluate: async () => (await import('./evaluate')).evaluateBench(),
  cve: async () => (await import('./cve-index')).runCveBench(),
  synth: async () => (await import('./synth')).infraBench(),
  bundles: async () => (await import('./bundles')).bundlesBench(),
  'run-1000': async () => (await import('./run-1000')).runLifecycleBench(),
  'run-cost': async () => (await import('./run-cost')).runCostBench(),
  'feed-sync': async () => (await import('./feed-sync')).feedSyncBench(),
  report: async () => (await import('./report')).reportBench(),
  'cli-startup': async () => (await import('./cli-startup')).cliStartupBench(),
  'assess-memory': async () => (await import('./assess-memory')).assessMemoryBench(),
  'network-reachability': async () => (await import('./network-reachability')).networkReachabilityBench(),
};

const wanted = process.argv.slice(2);
for (const name of wanted) {
  if (!benches[name]) {
    console.error(`unknown benchmark ${name}; known: ${Object.keys(benches).join(', ')}`);
    process.exit(2);
  }
}
for (const [name, bench] of Object.entries(benches)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  await bench();
  console.log('');
}
