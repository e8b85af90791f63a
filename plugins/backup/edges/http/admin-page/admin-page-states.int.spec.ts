import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Host } from '../../../../../src/host/host';
import { API_PREFIX } from '../api/context';
import { CHROMIUM, openAdminPageBrowser, type AdminPageBrowser } from '../../../../../test/support/admin-page-browser';
import { withFailingPgTool } from '../../../../../test/support/failing-pg-tool';
import { ADMIN_TOKEN, createHostFixture, servedBackupOf, waitUntil, type HostFixture } from '../../../../../test/support/host-fixture';

// What the page shows when things go wrong: a copy target that fails, then a backup that fails.
describe.skipIf(!existsSync(CHROMIUM))('the admin page in headless Chromium, when things fail', () => {
  let f: HostFixture;
  let host: Host;
  let b: AdminPageBrowser;
  const trigger = async () => {
    const res = await fetch(`${host.url}${API_PREFIX}/trigger`, { method: 'PATCH', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    return ((await res.json()) as { requestId: string }).requestId;
  };
  const texts = (selector: string) => b.page.$$eval(selector, (nodes) => nodes.map((n) => n.textContent));

  beforeAll(async () => {
    f = await createHostFixture('admstates');
    // "broken": its folder's parent is a file, so every copy to it fails, whoever runs the spec.
    await writeFile(join(f.root, 'not-a-folder'), 'x');
    host = await f.startHost({ COTTON_BACKUP_COPIES: `broken=file://${f.root}/not-a-folder/repo`, COTTON_BACKUP_COPY_ATTEMPTS: '1' });
    await servedBackupOf(f.db.pool, await trigger());
    await waitUntil(async () => (await f.db.pool.query("SELECT 1 FROM cotton_backup.copy_targets WHERE target = 'broken' AND copies_failed > 0")).rowCount, 'the copy to fail');
    b = await openAdminPageBrowser(host.url!);
    await b.page.goto(`${host.url}/`);
    await b.page.type('#token', ADMIN_TOKEN);
    await b.page.click('#token-form button[type=submit]');
    await b.page.waitForSelector('#copies tr.copy');
  }, 120_000);
  afterAll(async () => {
    await b?.browser.close();
    await f?.cleanup();
  });

  it('a copy target failing: its row says why and is flagged, the alert fires, the unverified backup is flagged', async () => {
    const { rows } = await f.db.pool.query("SELECT last_error FROM cotton_backup.copy_targets WHERE target = 'broken'");
    expect(rows[0].last_error).toMatch(/ENOTDIR|not a folder|a file stands/);
    const row = await b.page.$eval('#copies tr.copy[data-target="broken"]', (r) => [r.className, ...[...r.children].map((c) => c.textContent)]);
    const [cls, target, state, lastSuccess, behind, , failed, failure] = row;
    expect(cls).toBe('copy failing');
    expect(target).toBe(`brokenfile://${f.root}/not-a-folder/repo`);
    expect([state, lastSuccess, behind, failed]).toEqual(['FAILING', '–', '1', '1']);
    expect(failure).toContain(rows[0].last_error);
    const alert = await b.page.$eval('#alerts tr.alert[data-alert="CottonBackupCopyTargetFailing"]', (r) => [r.className, ...[...r.children].map((c) => c.textContent)]);
    expect(alert).toEqual(['alert firing warning', 'CottonBackupCopyTargetFailing', 'firing', 'warning', 'broken', expect.any(String)]);
    expect(await b.page.$eval('#alerts .summary', (e) => e.textContent)).toMatch(/^\d+ firing\.$/);
    expect(await b.page.$eval('#unverified', (e) => [(e as unknown as { hidden: boolean }).hidden, e.className])).toEqual([false, 'banner warn']);
    expect(await b.page.$eval('#kept tr.kept td.restore code', (e) => e.textContent)).toMatch(/^cotton-backup restore --backup [0-9a-f]+$/);
    await b.screenshot('admin-page-copy-failing');
  });

  it('a backup failing: a failed bar on the timeline, the alert fires, its BackupFailed event found by the type filter', async () => {
    // The first failure is enough: the coordinator retries the request 30 s later (then with the real pg_dump).
    const failed = await withFailingPgTool('pg_dump', 'connection to server failed', async () => {
      await trigger();
      return waitUntil(async () => (await f.db.pool.query("SELECT backup_id FROM cotton_backup.backup_history WHERE status = 'failed'")).rows[0]?.backup_id as string | undefined, 'the backup to fail');
    });
    await b.page.reload();
    await b.page.waitForSelector(`#timeline g.backup[data-status="failed"][data-backup-id="${failed}"]`);
    expect(await b.page.$$eval('#timeline g.backup', (g) => g.map((e) => e.getAttribute('data-status')))).toEqual(['succeeded', 'failed']);
    expect(await b.page.$$eval('#timeline text.date-label', (t) => t.map((e) => e.getAttribute('data-backup-id')))).toHaveLength(2);
    expect(await b.page.$eval('#alerts tr.alert[data-alert="CottonBackupFailing"]', (r) => r.className)).toBe('alert firing warning');
    await b.page.select('#events-type', 'BackupFailed');
    await b.page.waitForFunction(`document.querySelector('#events-status').textContent.includes('matching the filter')`);
    expect(await texts('#events tbody tr td:nth-child(4)')).toEqual([failed]);
    expect(await texts('#events tbody tr td:nth-child(3)')).toEqual(['BackupFailed']);
    expect(await b.page.$eval('#events tbody tr td:nth-child(3)', (e) => e.className)).toBe('type-failed');
    await b.screenshot('admin-page-backup-failed');
    expect(b.problems).toEqual([]);
    expect(b.foreignRequests).toEqual([]);
    expect(b.notFound.filter((path) => path !== '/favicon.ico')).toEqual([]);
  }, 90_000);
});
