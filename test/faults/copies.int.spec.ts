import { describe, expect, it } from 'vitest';
import { copiesScenarios } from './copies-scenarios';

// The fast subset for `npm test`: a kill mid-copy, a corrupted copy, and a bare-machine recovery.
// The rest (mid-prune, read-only tmpfs, S3 down) run in `npm run faults`.
const FAST = ['copies: kill -9 mid-copy (index written, pointer not)', 'copies: corrupted object in the target', 'copies: primary lost, only a copy left'];

describe('copies off the box survive their faults', () => {
  for (const s of copiesScenarios.filter((x) => FAST.includes(x.id))) {
    it(s.id, async () => {
      const c = await s.run();
      expect(c.failures).toEqual([]);
    }, 180_000);
  }
  it('the fast subset names existing scenarios', () => {
    expect(copiesScenarios.filter((x) => FAST.includes(x.id))).toHaveLength(FAST.length);
  });
});
