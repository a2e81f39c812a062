// Headless Chromium for tests that use the pages as a person would: Debian's chromium driven by
// playwright-core (no browser download; scripts/setup.sh --browser installs it). Screenshots are
// saved under test-output/screenshots/ as the test's artifacts.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const SCREENSHOT_DIR = path.resolve(__dirname, '../test-output/screenshots');

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    // This machine has no network beyond loopback: keep Chromium from reaching for one.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Saves a full-page screenshot as test-output/screenshots/<name>.png and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** A console page in Chromium, signed in at `base`'s sign-in page as a person does, on the complaint list. */
export async function signedInPage(browser: Browser, base: string, username: string, password: string): Promise<Page> {
  const page = await browser.newPage({ locale: 'zh-CN', viewport: { width: 1360, height: 900 } });
  await page.goto(`${base}/login`);
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', password);
  await page.click('button[type=submit]');
  await page.waitForURL(/\/complaints/);
  return page;
}
