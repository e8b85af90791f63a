import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { createBackupFixture, type BackupFixture } from '../../../test/support/backup-fixture';
import { readStream } from '../events';
import { recordNotified } from './record-notified';

/** Issue 10: an EventRejected in place of AdminsNotified is reported by the operation, not only appended. */
describe('recordNotified', () => {
  let f: BackupFixture;
  beforeAll(async () => {
    f = await createBackupFixture('recnotif');
  });
  afterAll(async () => f?.cleanup());

  it('appends an EventRejected and warns about it', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'warn' }, new Writable({ write: (chunk, _e, done) => void (lines.push(String(chunk)), done()) }));
    const rejected = {
      type: 'EventRejected' as const,
      data: { rejectedType: 'AdminsNotified', problem: 'invalid AdminsNotified event: data.title: Too small', summary: '1 notification row written' },
    };
    await recordNotified(f.services.journal, 'verify-x', rejected, logger);
    expect((await readStream(f.db.pool, 'verify-x')).map((e) => e.type)).toEqual(['EventRejected']);
    expect(lines.join('')).toMatch(/"level":40.*AdminsNotified event was rejected.*1 notification row written/);
  });
});
