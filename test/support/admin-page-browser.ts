import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

/** Debian's chromium (.ci/run installs it); without it there is no real browser to test the admin page in. */
export const CHROMIUM = '/usr/bin/chromium';

export interface AdminPageBrowser {
  browser: Browser;
  page: Page;
  /** Console errors and page errors (a 401 or 404 resource load is the caller's to check). */
  problems: string[];
  /** Requests to anywhere but the host. */
  foreignRequests: string[];
  /** Paths answered 404 (Chromium asks for /favicon.ico). */
  notFound: string[];
  /** A full-page screenshot at .ci/<name>.png (a CI artifact). */
  screenshot(name: string): Promise<void>;
}

export async function openAdminPageBrowser(hostUrl: string): Promise<AdminPageBrowser> {
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'],
  });
  const page = await browser.newPage();
  await page.setViewport({ width: 1100, height: 900 });
  const problems: string[] = [];
  const foreignRequests: string[] = [];
  const notFound: string[] = [];
  // A failed load (the wrong-token step's 401, a refused filter's 400, /favicon.ico's 404) is the spec's to check.
  page.on('console', (m) => m.type() === 'error' && !m.text().startsWith('Failed to load resource') && problems.push(m.text()));
  page.on('response', (r) => r.status() === 404 && notFound.push(new URL(r.url()).pathname));
  page.on('pageerror', (e) => problems.push(String(e)));
  page.on('request', (r) => !r.url().startsWith(hostUrl) && foreignRequests.push(r.url()));
  return {
    browser,
    page,
    problems,
    foreignRequests,
    notFound,
    async screenshot(name) {
      const dir = fileURLToPath(new URL('../../.ci/', import.meta.url));
      await mkdir(dir, { recursive: true });
      await page.screenshot({ path: `${dir}${name}.png`, fullPage: true });
    },
  };
}
