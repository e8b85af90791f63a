import { describe, expect, it } from 'vitest';
import { crashScenarios } from './crash-scenarios';

// The crash points of a backup, each through the real CLI killed with SIGKILL (fast subset of `npm run faults`).
describe('a backup killed at any step', () => {
  for (const s of crashScenarios.filter((x) => !x.knownIssue)) {
    it(s.id, async () => {
      const c = await s.run();
      expect(c.failures).toEqual([]);
    }, 120_000);
  }
});
