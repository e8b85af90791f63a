import { describe, expect, it } from 'vitest';
import { copyAliasScenarios } from './copy-alias-scenarios';

// The fast subset for `npm test`: the alias that deleted user files. The bind mount needs root and runs in `npm run faults`.
const FAST = ['copies: a target that is a symlink of the primary, then pruned'];

describe('a copy target that is the primary under another name is never pruned', () => {
  for (const s of copyAliasScenarios.filter((x) => FAST.includes(x.id))) {
    it(s.id, async () => {
      const c = await s.run();
      expect(c.failures).toEqual([]);
    }, 240_000);
  }
  it('the fast subset names existing scenarios', () => {
    expect(copyAliasScenarios.filter((x) => FAST.includes(x.id))).toHaveLength(FAST.length);
  });
});
