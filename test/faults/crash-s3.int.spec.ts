import { describe, expect, it } from 'vitest';
import { s3CrashScenarios } from './crash-scenarios';

// Three crash points of a backup whose storage is a bucket on s3rver (fast subset; the rest run in `npm run faults`).
const FAST = ['backup.midChunkUpload', 'backup.afterManifestCommitted', 'backup.midMultipartUpload'];

describe('a backup to S3 killed mid-upload or before its pointer', () => {
  for (const s of s3CrashScenarios.filter((x) => FAST.some((p) => x.id.endsWith(p)))) {
    it(s.id, async () => {
      const c = await s.run();
      expect(c.failures).toEqual([]);
    }, 120_000);
  }
});
