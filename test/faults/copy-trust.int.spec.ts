import { describe, expect, it } from 'vitest';
import { copyTrustScenarios } from './copy-trust-scenarios';

// The fast subset for `npm test`: the two that handed back older data without a word. The rest
// (unreadable index, one bad old backup, an older primary snapshot) run in `npm run faults`.
const FAST = ['copies: test restore from a lagging target', 'copies: target rolled back by whoever can write it'];

describe('copies are trusted only as far as the record allows', () => {
  for (const s of copyTrustScenarios.filter((x) => FAST.includes(x.id))) {
    it(s.id, async () => {
      const c = await s.run();
      expect(c.failures).toEqual([]);
    }, 240_000);
  }
  it('the fast subset names existing scenarios', () => {
    expect(copyTrustScenarios.filter((x) => FAST.includes(x.id))).toHaveLength(FAST.length);
  });
});
