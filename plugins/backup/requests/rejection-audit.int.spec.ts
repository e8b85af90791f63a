import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readStream } from '../events';
import { createBackupFixture, type BackupFixture } from '../../../test/support/backup-fixture';
import { REJECTIONS_STREAM, RejectionAudit } from './rejection-audit';

describe('RejectionAudit', () => {
  let f: BackupFixture;
  beforeAll(async () => {
    f = await createBackupFixture('trrej');
  });
  afterAll(() => f.cleanup());

  it('audits the first rejections of a window one by one and summarises the rest in one event', async () => {
    const audit = new RejectionAudit({ journal: f.services.journal, secrets: ['s3cret-admin-token'], maxPerWindow: 3, windowMs: 60_000 });
    for (let i = 0; i < 10; i++) audit.reject('notify', 'not JSON', `garbage ${i} s3cret-admin-token`);
    await audit.flush();
    const events = await readStream(f.db.pool, REJECTIONS_STREAM);
    expect(events.map((e) => e.type)).toEqual(['RequestRejected', 'RequestRejected', 'RequestRejected', 'RequestRejected']);
    expect(events.slice(0, 3).map((e) => e.data)).toEqual([0, 1, 2].map((i) => ({ source: 'notify', reason: 'not JSON', sample: `garbage ${i} [REDACTED]`, sizeBytes: 28 })));
    expect(events[3]!.data).toMatchObject({ source: 'notify', reason: expect.stringMatching(/^7 more rejected notify request/) });
  });

  it('keeps samples storable: at most 200 characters, no NUL, no lone surrogate', async () => {
    const audit = new RejectionAudit({ journal: f.services.journal, secrets: [] });
    audit.reject('api', 'bad', `\u0000${'😀'.repeat(150)}\ud800`);
    await audit.flush();
    const last = (await readStream(f.db.pool, REJECTIONS_STREAM)).at(-1)!;
    const sample = (last.data as { sample: string }).sample;
    expect(sample.length).toBeLessThanOrEqual(200);
    expect(sample.includes('\u0000')).toBe(false);
    expect(sample.isWellFormed()).toBe(true);
  });
});
