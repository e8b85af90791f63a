import { describe, expect, it } from 'vitest';
import { eventForgeryScenarios } from './event-forgery-scenarios';

describe('a checkpoint grant forges nothing; an invalid stored event breaks no reader', () => {
  for (const s of eventForgeryScenarios.filter((x) => !x.knownIssue)) {
    it(s.id, async () => {
      const c = await s.run();
      expect(c.failures).toEqual([]);
    }, 240_000);
  }
});
