import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Host } from '../../../../../src/host/host';
import { API_PREFIX } from '../api/context';
import { ADMIN_TOKEN, createHostFixture, servedBackupOf, type HostFixture } from '../../../../../test/support/host-fixture';
import { PAGE_CSP } from './page-routes';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT = fileURLToPath(new URL('../../../../../.ci/admin-page.png', import.meta.url));

// Debian's chromium (.ci/run installs it); without it there is no real browser to test in.
describe.skipIf(!existsSync(CHROMIUM))('the admin page in headless Chromium', () => {
  let f: HostFixture;
  let host: Host;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];
  const foreignRequests: string[] = [];
  const notFound: string[] = [];

  beforeAll(async () => {
    f = await createHostFixture('admpage');
    host = await f.startHost();
    const res = await fetch(`${host.url}${API_PREFIX}/trigger`, { method: 'PATCH', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    await servedBackupOf(f.db.pool, ((await res.json()) as { requestId: string }).requestId);
    browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'],
    });
    page = await browser.newPage();
    await page.setViewport({ width: 1100, height: 900 });
    // A 401 is the wrong-token step's; a 404 is Chromium asking for /favicon.ico (checked below).
    page.on('console', (m) => m.type() === 'error' && !m.text().startsWith('Failed to load resource') && problems.push(m.text()));
    page.on('response', (r) => r.status() === 404 && notFound.push(new URL(r.url()).pathname));
    page.on('pageerror', (e) => problems.push(String(e)));
    page.on('request', (r) => !r.url().startsWith(host.url!) && foreignRequests.push(r.url()));
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await f?.cleanup();
  });

  it('is served with a strict Content-Security-Policy and asks for the token', async () => {
    const response = await page.goto(`${host.url}/`);
    expect(response!.status()).toBe(200);
    expect(response!.headers()['content-security-policy']).toBe(PAGE_CSP);
    expect(PAGE_CSP).not.toMatch(/unsafe/);
    expect(await page.$eval('#login', (e) => (e as unknown as { hidden: boolean }).hidden)).toBe(false);
  });

  it('says clearly when the token is wrong', async () => {
    await page.type('#token', 'not-the-admin-token-at-all');
    await page.click('#token-form button[type=submit]');
    await page.waitForSelector('#login-error:not([hidden])');
    expect(await page.$eval('#login-error', (e) => e.textContent)).toMatch(/refused this admin token \(401 Unauthorized\)/);
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
  });

  it('with the token shows the latest backup and draws it on the timeline, the token in the tab only', async () => {
    await page.type('#token', ADMIN_TOKEN);
    await page.click('#token-form button[type=submit]');
    await page.waitForSelector('#dashboard:not([hidden])');
    const { rows } = await f.db.pool.query("SELECT backup_id FROM cotton_backup.backup_history WHERE status = 'succeeded'");
    await page.waitForFunction(`document.querySelector('#latest-backup').textContent.includes('${rows[0].backup_id}')`);
    expect(await page.$$eval('#timeline g.backup', (g) => g.map((e) => e.getAttribute('data-backup-id')))).toEqual([rows[0].backup_id]);
    const height = await page.$eval('#timeline g.backup rect.bar-dump', (r) => Number(r.getAttribute('height')));
    expect(height).toBeGreaterThan(50);
    expect(await page.$eval('#next-run', (e) => e.textContent)).toMatch(/0 3 \* \* \*/);
    expect(await page.$$eval('#events tbody tr', (r) => r.length)).toBeGreaterThan(3);
    expect(page.url()).not.toContain(ADMIN_TOKEN);
    expect(await page.evaluate(() => Object.keys(sessionStorage))).toEqual(['cotton-backup.admin-token']);
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
  });

  it('"back up now" leads to a new backup on the timeline, "verify now" to a verification', async () => {
    await page.click('#backup-now');
    await page.waitForFunction(`document.querySelectorAll('#timeline g.backup[data-status="succeeded"]').length === 2`, { timeout: 90_000 });
    await page.click('#verify-now');
    await page.waitForFunction(`document.querySelector('#latest-verification').textContent.includes('passed')`, { timeout: 90_000 });
    await mkdir(fileURLToPath(new URL('../../../../../.ci/', import.meta.url)), { recursive: true });
    await page.screenshot({ path: SCREENSHOT as `${string}.png`, fullPage: true });
    expect(problems).toEqual([]);
    expect(foreignRequests).toEqual([]);
    expect(notFound.filter((path) => path !== '/favicon.ico')).toEqual([]);
  }, 120_000);
});
