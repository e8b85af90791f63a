import { describe, expect, it } from 'vitest';
import { hostileScenarios } from './hostile-scenarios';

describe('floods of hostile input against a running host', () => {
  for (const s of hostileScenarios.filter((x) => !x.knownIssue)) {
    it(s.id, async () => {
      const c = await s.run();
      expect(c.failures).toEqual([]);
    }, 240_000);
  }
});
