import { describe, expect, it } from 'vitest';
import { corruptionScenarios } from './corruption-scenarios';

describe('damaged backups are found by verify, on demand and on schedule', () => {
  for (const s of corruptionScenarios.filter((x) => !x.knownIssue)) {
    it(s.id, async () => {
      const c = await s.run();
      expect(c.failures).toEqual([]);
    }, 120_000);
  }
});
