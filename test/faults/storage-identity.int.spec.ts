import { describe, expect, it } from 'vitest';
import { storageIdentityScenarios } from './storage-identity-scenarios';

// The fast subset for `npm test`: the folder cases (the S3 one runs in `npm run faults`).
const FAST = ['storage: another master key against a storage with backups', 'storage: a mistyped, missing or non-folder storage path'];

describe('a wrong key or a wrong storage is refused before anything is written', () => {
  for (const s of storageIdentityScenarios.filter((x) => FAST.includes(x.id))) {
    it(s.id, async () => {
      const c = await s.run();
      expect(c.failures).toEqual([]);
    }, 240_000);
  }
  it('the fast subset names existing scenarios', () => {
    expect(storageIdentityScenarios.filter((x) => FAST.includes(x.id))).toHaveLength(FAST.length);
  });
});
