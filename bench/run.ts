/**
 * `npm run bench`: every benchmark, one after the other, each printing its figures and the command that
 * reproduces it. Figures are printed, never asserted. `npm run bench -- agent envelope` runs a subset.
 */
import { agentBench } from './agent';
import { envelopeBench } from './envelope';
import { evaluateBench } from './evaluate';

const benches: Record<string, () => Promise<void>> = {
  agent: agentBench,
  envelope: envelopeBench,
  evaluate: evaluateBench,
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
