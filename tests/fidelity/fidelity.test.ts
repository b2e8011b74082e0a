/**
 * Every fidelity scenario as its own test: the real kernel must do what the scenario says Linux
 * does, and the simulated kernel must answer the same (after normalisation) or differ exactly as
 * deliberate.ts documents.
 */
import { describe, it } from 'vitest';
import { listScenarios } from './harness.ts';
import { deliberateFor } from './deliberate.ts';
import { runScenario } from './suite.ts';

// FIDELITY_AGAINST=vm compares with Linux 6.1 in the QEMU VM instead (a boot per scenario).
const against = process.env.FIDELITY_AGAINST === 'vm' ? 'vm' : 'real';

describe(`fidelity: simulated kernel vs ${against === 'vm' ? 'Linux in the VM' : "this machine's Linux"}`, () => {
  for (const file of listScenarios()) {
    it(`#${file.id} ${file.name}`, { timeout: against === 'vm' ? 300_000 : 60_000 }, async (ctx) => {
      const o = await runScenario(file, against);
      switch (o.verdict) {
        case 'identical':
          if (deliberateFor(file.id))
            throw new Error(`#${file.id} is now identical: remove its entry from tests/fidelity/deliberate.ts`);
          return;
        case 'deliberate':
          return;
        case 'skipped':
          ctx.skip(o.detail);
          return;
        case 'no-sim':
          throw new Error(
            `the real kernel behaved as the scenario says, but there is no simulated kernel to compare with: ${o.detail}. Build it with \`npm run build:kernel\`.`,
          );
        case 'real-wrong':
          throw new Error(`#${file.id} ${o.scenario.title}\n${o.detail}`);
        case 'different':
          throw new Error(
            `#${file.id} ${o.scenario.title}: the simulated kernel differs (- real, + sim):\n${o.detail}`,
          );
      }
    });
  }
});
