import { statSync } from 'node:fs';
import type { Server } from 'node:http';
import type { Browser } from 'playwright-core';
import { listen } from '@complaints/runtime';
import { launchBrowser, screenshot } from '../../../test/browser';
import { startOidcProvider, type TestProvider } from '../../../test/oidc';
import { freePort } from '../../../scripts/lib/stack';
import { useIntakeApp } from './harness';

// A dealer signs in with the company account in Chromium: intake's sign-in page, the provider's
// own login form (a real OpenID Connect provider the test starts), and back to the work-order list.
describe('single sign-on in headless Chromium', () => {
  let provider: TestProvider;
  let port: number;
  const intake = useIntakeApp('oidc-browser', {
    prepare: async () => {
      port = await freePort();
      const base = `http://127.0.0.1:${port}`;
      provider = await startOidcProvider({
        redirectUri: `${base}/login/oidc/callback`,
        accounts: { 'chen.sso': { preferred_username: 'chen.sso', name: '陈经理', locale: 'zh-CN', role: 'dealer', dealer_code: 'SH001' } },
      });
      return { PUBLIC_BASE_URL: base, OIDC_ISSUER: provider.issuer, OIDC_CLIENT_ID: provider.clientId, OIDC_CLIENT_SECRET: provider.clientSecret };
    },
  });
  let server: Server;
  let browser: Browser;

  beforeAll(async () => {
    server = await listen(intake.app(), port, '127.0.0.1');
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
    await provider?.stop();
  });

  it('signs in through the company’s provider and lands on the work-order list', async () => {
    const page = await browser.newPage({ locale: 'zh-CN' });
    await page.goto(`http://127.0.0.1:${port}/login`);
    await page.click('#company-sign-in');
    await page.waitForURL((url) => url.origin === provider.issuer);
    await page.fill('input[name=login]', 'chen.sso');
    await page.fill('input[name=password]', 'company-password');
    await page.click('button[type=submit]');
    await page.waitForURL(/\/complaints/);
    // The work-order list names who is signed in (whatever the page's own markup).
    await page.getByText(/chen\.sso.*SH001/).first().waitFor();
    const session = await page.evaluate(async () => (await fetch('/api/session')).json());
    expect(session).toMatchObject({ username: 'chen.sso', displayName: '陈经理', role: 'dealer', dealerCode: 'SH001' });
    statSync(await screenshot(page, 'intake-signed-in-by-sso'));
    await page.close();
  });
});
