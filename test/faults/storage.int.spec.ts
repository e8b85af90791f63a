import { describe, expect, it } from 'vitest';
import { storageScenarios } from './storage-scenarios';

// Mounting a tmpfs needs root. CI runs as root and .ci/run fails when these were skipped there;
// elsewhere the skip is said out loud, with its reason, instead of passing unnoticed.
const uid = process.getuid?.();
const skipReason = uid === 0 ? undefined : `needs root to mount a tmpfs (running as uid ${uid ?? 'unknown'}); CI runs it as root`;
if (skipReason) console.warn(`storage fault specs SKIPPED: ${skipReason}`);

describe('a full or read-only storage root fails a backup cleanly', () => {
  for (const s of storageScenarios.filter((x) => !x.knownIssue)) {
    it(s.id, async (context) => {
      if (skipReason) context.skip(skipReason);
      const c = await s.run();
      expect(c.failures).toEqual([]);
    }, 120_000);
  }
});
