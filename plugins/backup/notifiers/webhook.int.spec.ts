import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createBackupFixture, type BackupFixture } from '../../../test/support/backup-fixture';
import { createHostFixture, waitUntil, type HostFixture } from '../../../test/support/host-fixture';
import { setFailpoints } from '../core/failpoints';
import { runBackup } from '../take-backup/run-backup';
import { copyToTargets } from '../copies/copy-to-targets';
import { ADMIN_ID, COTTON_SCHEMA } from '../../../test/support/cotton-schema';
import { createTestDatabase } from '../../../test/support/database';
import { notifyAdmins } from '../notifications/notify-admins';
import { attachNoticeChannel, type ChannelNotice } from './channels';
import { SIGNATURE_HEADER, WebhookNotifier } from './webhook';

const SECRET = 'webhook-spec-secret-0123456789';
const NOTICE: ChannelNotice = { kind: 'drill_failed', dedupKey: 'd-1', title: 'Database restore drill failed', content: 'two tables differ', priority: 3, metadata: { drillId: 'd-1' } };

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
}

/** A real receiver on 127.0.0.1: `answer` decides each request's fate (a status, or hold it open). */
async function receiver(answer: (n: number, res: ServerResponse) => void): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      answer(received.length, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/cotton?token=in-the-url`,
    received,
    close: () => new Promise((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

/** What a receiver does with the header (README "Webhook"): recompute over the raw body, refuse an old timestamp. */
function verify(header: string, body: string, secret: string, nowSeconds: number): boolean {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
  if (!m || Math.abs(nowSeconds - Number(m[1])) > 300) return false;
  const expected = createHmac('sha256', secret).update(`${m[1]}.${body}`).digest();
  return timingSafeEqual(expected, Buffer.from(m[2]!, 'hex'));
}

function captured(): { logger: pino.Logger; text(): string } {
  const lines: string[] = [];
  const logger = pino({ level: 'info' }, new Writable({ write: (chunk, _e, done) => void (lines.push(String(chunk)), done()) }));
  return { logger, text: () => lines.join('') };
}

const status = (code: number) => (_n: number, res: ServerResponse) => res.writeHead(code).end();

describe('the webhook notifier against a real HTTP server', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });

  it('signs the exact body with a timestamp; a receiver verifies it, and refuses it altered or replayed late', async () => {
    const r = await receiver(status(204));
    closers.push(r.close);
    const log = captured();
    const notifier = new WebhookNotifier({ url: r.url, secret: SECRET, attempts: 3 }, { logger: log.logger });
    notifier.send(NOTICE);
    await notifier.stop(5000);
    expect(r.received).toHaveLength(1);
    const [{ headers, body }] = r.received as [Received];
    expect(headers['content-type']).toBe('application/json');
    expect(JSON.parse(body)).toMatchObject({ id: expect.stringMatching(/^[0-9a-f]{32}$/), source: 'cotton-backup', kind: 'drill_failed', title: NOTICE.title, metadata: { drillId: 'd-1' } });
    const header = String(headers[SIGNATURE_HEADER]);
    const now = Math.floor(Date.now() / 1000);
    expect(verify(header, body, SECRET, now)).toBe(true);
    expect(verify(header, body.replace('two', 'six'), SECRET, now)).toBe(false);
    expect(verify(header, body, 'another-secret-0123456789', now)).toBe(false);
    expect(verify(header, body, SECRET, now + 3600)).toBe(false);
    // Neither the secret nor the URL's path and query reach the log: its origin only.
    expect(log.text()).toContain('webhook: notice delivered');
    expect(log.text()).not.toContain(SECRET);
    expect(log.text()).not.toContain('in-the-url');
  });

  it('retries after 500s and delivers the same notice id, each attempt signed anew', async () => {
    const r = await receiver((n, res) => res.writeHead(n < 3 ? 500 : 200).end());
    closers.push(r.close);
    const notifier = new WebhookNotifier({ url: r.url, secret: SECRET, attempts: 5 }, { baseDelayMs: 20 });
    notifier.send(NOTICE);
    await notifier.stop(10_000);
    expect(r.received).toHaveLength(3);
    expect(new Set(r.received.map((x) => JSON.parse(x.body).id)).size).toBe(1);
    for (const x of r.received) expect(verify(String(x.headers[SIGNATURE_HEADER]), x.body, SECRET, Math.floor(Date.now() / 1000))).toBe(true);
  });

  it('gives up after its attempts (logged), and does not retry a refusal (4xx)', async () => {
    const failing = await receiver(status(503));
    const refusing = await receiver(status(400));
    closers.push(failing.close, refusing.close);
    const log = captured();
    const a = new WebhookNotifier({ url: failing.url, attempts: 3 }, { baseDelayMs: 10, logger: log.logger });
    const b = new WebhookNotifier({ url: refusing.url, attempts: 3 }, { baseDelayMs: 10, logger: log.logger });
    a.send(NOTICE);
    b.send(NOTICE);
    await Promise.all([a.stop(10_000), b.stop(10_000)]);
    expect(failing.received).toHaveLength(3);
    expect(refusing.received).toHaveLength(1);
    expect(failing.received[0]!.headers[SIGNATURE_HEADER]).toBeUndefined(); // no secret, no signature
    expect(log.text()).toMatch(/"level":50.*"attempts":3.*notice given up after every attempt failed/);
    expect(log.text()).toMatch(/"problem":"HTTP 400".*not retried/);
  });

  it('a stop waits a bounded time for a receiver that never answers', async () => {
    const r = await receiver(() => undefined); // holds every request open
    closers.push(r.close);
    const log = captured();
    const notifier = new WebhookNotifier({ url: r.url, attempts: 3 }, { logger: log.logger });
    notifier.send(NOTICE);
    const started = Date.now();
    await notifier.stop(300);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(log.text()).toMatch(/"abandoned":1/);
  });
});

describe('the webhook fed by a failed backup', () => {
  let f: BackupFixture;
  let release: (() => void) | undefined;
  let r: Awaited<ReturnType<typeof receiver>>;

  beforeAll(async () => {
    r = await receiver((n, res) => {
      // The first request hangs until the test lets it go; the rest are refused with 500.
      if (n === 1) release = () => res.writeHead(500).end();
      else res.writeHead(500).end();
    });
    f = await createBackupFixture('webhook', { COTTON_BACKUP_WEBHOOK_URL: r.url, COTTON_BACKUP_WEBHOOK_SECRET: SECRET, COTTON_BACKUP_WEBHOOK_ATTEMPTS: '2' });
  });
  afterAll(async () => {
    setFailpoints(undefined);
    await f?.cleanup();
    await r?.close();
  });

  it('a receiver that hangs, then fails every attempt, neither delays nor changes the backup’s outcome', async () => {
    setFailpoints('backup.afterStarted=throw');
    await expect(runBackup({ ...f.services.backup, afterBackup: undefined })).rejects.toThrow(/failpoint backup.afterStarted/);
    setFailpoints(undefined);
    // The backup has ended, recorded failed, while its webhook request is held open by the receiver.
    await waitUntil(() => release !== undefined, 'the webhook request to arrive', 10_000);
    const { rows } = await f.db.pool.query("SELECT status FROM cotton_backup.backup_history");
    expect(rows).toEqual([{ status: 'failed' }]);
    expect(JSON.parse(r.received[0]!.body)).toMatchObject({ kind: 'backup_failed', title: 'Database backup failed' });
    release!();
    await f.services.stopNotifiers(10_000);
    expect(r.received).toHaveLength(2); // COTTON_BACKUP_WEBHOOK_ATTEMPTS
    // And the next backup runs as if nothing happened.
    expect((await runBackup({ ...f.services.backup, afterBackup: undefined })).backupId).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe('the webhook fed by a failed copy', () => {
  it('a copy that failed every attempt is sent (copy_failed) while the bell waits for overdue', async () => {
    const r = await receiver(status(200));
    const dir = await mkdtemp(join(tmpdir(), 'webhookcopy-'));
    await writeFile(join(dir, 'not-a-folder'), 'x'); // a target under a file: every copy to it fails
    const f = await createBackupFixture('webhookcopy', {
      COTTON_BACKUP_WEBHOOK_URL: r.url,
      COTTON_BACKUP_COPIES: `broken=file://${dir}/not-a-folder/repo`,
      COTTON_BACKUP_COPY_ATTEMPTS: '1',
    });
    try {
      const { backupId } = await runBackup({ ...f.services.backup, afterBackup: undefined });
      await copyToTargets(f.services.copies);
      await f.services.stopNotifiers(10_000);
      const bodies = r.received.map((x) => JSON.parse(x.body));
      expect(bodies).toEqual([expect.objectContaining({ kind: 'copy_failed', title: 'Backup copy failed', metadata: expect.objectContaining({ target: 'broken', backupId }) })]);
    } finally {
      await f.cleanup();
      await r.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('which notices reach the channels', () => {
  it('every attempt without Cotton’s tables; once Cotton’s table holds the rows, a retry is not sent again; only the pool’s own channels', async () => {
    const db = await createTestDatabase('webhookdedup');
    const other = await createTestDatabase('webhookother');
    try {
      const sent: string[] = [];
      const elsewhere: string[] = [];
      const detach = attachNoticeChannel(db.pool, { send: (n) => void sent.push(n.dedupKey) });
      attachNoticeChannel(other.pool, { send: (n) => void elsewhere.push(n.dedupKey) });
      const notice = { ...NOTICE, dedupKey: 'same' };
      await notifyAdmins(db.pool, notice);
      await notifyAdmins(db.pool, notice);
      expect(sent).toEqual(['same', 'same']);
      await db.pool.query(COTTON_SCHEMA);
      await db.pool.query(`INSERT INTO users (id, username, role) VALUES ('${ADMIN_ID}', 'Admin', 2)`);
      expect(await notifyAdmins(db.pool, notice)).toMatchObject({ type: 'AdminsNotified' });
      expect(await notifyAdmins(db.pool, notice)).toBeUndefined(); // told before
      expect(sent).toEqual(['same', 'same', 'same']);
      detach();
      await notifyAdmins(db.pool, { ...notice, dedupKey: 'after-detach' });
      expect(sent).toHaveLength(3);
      expect(elsewhere).toEqual([]);
    } finally {
      await db.drop();
      await other.drop();
    }
  });
});

describe('COTTON_BACKUP_WEBHOOK_* at start', () => {
  let f: HostFixture;
  beforeAll(async () => {
    f = await createHostFixture('webhookcfg');
  });
  afterAll(() => f?.cleanup());

  it('refuses a URL that is not http(s) and a short secret, naming the variable and never echoing the secret', async () => {
    await expect(f.startHost({ COTTON_BACKUP_WEBHOOK_URL: 'ftp://127.0.0.1/x' })).rejects.toThrow(/COTTON_BACKUP_WEBHOOK_URL: expected an http:\/\/ or https:\/\/ URL/);
    await expect(f.startHost({ COTTON_BACKUP_WEBHOOK_URL: 'not a url' })).rejects.toThrow(/COTTON_BACKUP_WEBHOOK_URL/);
    const refused = await f.startHost({ COTTON_BACKUP_WEBHOOK_URL: 'https://hooks.example/x', COTTON_BACKUP_WEBHOOK_SECRET: 'short-s3cret' }).catch((e: Error) => e);
    expect(String(refused)).toMatch(/COTTON_BACKUP_WEBHOOK_SECRET: expected .*16/);
    expect(String(refused)).not.toContain('short-s3cret');
  });
});
