/**
 * explain() computes a path's port-independent part once (NetworkModel.explainContext): the explanation of
 * a port must not depend on which ports of which interfaces were explained before it. Every scenario's
 * paths explained in one order on one model and in the reverse order on a fresh model give the same steps.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCliOutputDirectory } from '../../../functions/cli/commands/network-reachability-actions';
import { analyzeNetwork } from '../../../functions/core/network/evaluate';

const ROOT = path.resolve(__dirname, '../../fixtures/network-reachability');
/** Common ports, then each path's own (the first port of each of its ranges). */
const PORTS = [22, 80, 443, 3389, 8080, 0, 65535];

describe('explanations with the per-path context', () => {
  for (const name of readdirSync(ROOT).filter((d) => !d.includes('.'))) {
    it(`${name}: the same steps whatever the order of the questions`, async () => {
      const config = await readCliOutputDirectory(path.join(ROOT, name));
      const a = analyzeNetwork(config);
      const b = analyzeNetwork(config);
      const questions = a.analysis.interfaces.flatMap((eni, i) =>
        eni.paths.flatMap((p, j) =>
          [...PORTS, ...p.ports.map((r) => r.from)].map((port) => ({ i, j, port })),
        ),
      );
      const ask = (m: typeof a, q: (typeof questions)[number]) => {
        const eni = m.analysis.interfaces[q.i]!;
        return m.model.explain(eni, eni.paths[q.j]!, q.port);
      };
      const forward = questions.map((q) => ask(a, q));
      const backward = [...questions]
        .reverse()
        .map((q) => ask(b, q))
        .reverse();
      expect(forward).toEqual(backward);
      expect(questions.length === 0 || forward.some((steps) => steps.length > 0)).toBe(true);
    });
  }
});
