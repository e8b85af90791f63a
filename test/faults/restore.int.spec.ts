import { describe, expect, it } from 'vitest';
import { restoreScenarios } from './restore-scenarios';

describe('a startup restore killed at any step is redone cleanly at the next start; a forged marker never wipes data', () => {
  for (const s of restoreScenarios.filter((x) => !x.knownIssue)) {
    it(s.id, async () => {
      const c = await s.run();
      expect(c.failures).toEqual([]);
    }, 120_000);
  }
});
