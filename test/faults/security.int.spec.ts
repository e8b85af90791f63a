import { describe, expect, it } from 'vitest';
import { securityScenarios } from './security-scenarios';

describe('secrets and plaintext never leak; the event log stays immutable', () => {
  for (const s of securityScenarios.filter((x) => !x.knownIssue)) {
    it(s.id, async () => {
      const c = await s.run();
      expect(c.failures).toEqual([]);
    }, 120_000);
  }
});
