import { describe, expect, it } from 'vitest';
import { storageScenarios } from './storage-scenarios';

// Mounting a tmpfs needs root (the CI container runs as root).
describe.skipIf(process.getuid?.() !== 0)('a full or read-only storage root fails a backup cleanly', () => {
  for (const s of storageScenarios.filter((x) => !x.knownIssue)) {
    it(s.id, async () => {
      const c = await s.run();
      expect(c.failures).toEqual([]);
    }, 120_000);
  }
});
