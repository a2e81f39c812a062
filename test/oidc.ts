// Starts the single sign-on tests' OpenID Connect provider (test/oidcProvider.mjs, npm oidc-provider)
// as a child process on a free port, and drives its development login form the way a browser would.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, ManagedProcess, waitFor } from '../scripts/lib/stack';

export type CompanyAccounts = Record<string, Record<string, unknown>>;

export interface TestProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Replaces the company directory the provider reads at every sign-in. */
  setAccounts(accounts: CompanyAccounts): void;
  stop(): Promise<void>;
}

export async function startOidcProvider(options: { redirectUri: string; accounts: CompanyAccounts }): Promise<TestProvider> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'oidc-provider-'));
  const accountsFile = path.join(dir, 'accounts.json');
  const setAccounts = (accounts: CompanyAccounts) => writeFileSync(accountsFile, JSON.stringify(accounts));
  setAccounts(options.accounts);
  const port = await freePort();
  const clientId = 'complaints-intake';
  const clientSecret = 'test-oidc-client-secret-0123456789';
  const env = {
    ...process.env,
    OIDC_TEST_PORT: String(port),
    OIDC_TEST_CLIENT_ID: clientId,
    OIDC_TEST_CLIENT_SECRET: clientSecret,
    OIDC_TEST_REDIRECT_URI: options.redirectUri,
    OIDC_TEST_ACCOUNTS_FILE: accountsFile,
  };
  const proc = new ManagedProcess('oidc-provider', process.execPath, [path.join(__dirname, 'oidcProvider.mjs')], path.join(dir, 'provider.log'), env);
  const issuer = `http://127.0.0.1:${port}`;
  await waitFor('the OIDC provider', async () => (await fetch(`${issuer}/.well-known/openid-configuration`)).ok, 30_000, proc);
  return { issuer, clientId, clientSecret, setAccounts, stop: () => proc.stop() };
}

/** A cookie jar for one origin: what a browser keeps between the provider's redirects. */
class Jar {
  private cookies = new Map<string, string>();
  header() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  take(res: Response) {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      this.cookies.set(pair!.slice(0, eq).trim(), pair!.slice(eq + 1).trim());
    }
  }
}

/**
 * Follows the provider's redirects from `authorizationUrl` through its login form (as `login`), and
 * returns the URL it finally sends the browser back to (the client's redirect URI with code and
 * state), without requesting that URL.
 */
export async function signInAtProvider(authorizationUrl: string, login: string): Promise<URL> {
  const jar = new Jar();
  const origin = new URL(authorizationUrl).origin;
  let url = authorizationUrl;
  let body: URLSearchParams | undefined;
  for (let hop = 0; hop < 20; hop++) {
    if (!url.startsWith(origin)) return new URL(url);
    const res = await fetch(url, { method: body ? 'POST' : 'GET', body, headers: { cookie: jar.header() }, redirect: 'manual' });
    jar.take(res);
    body = undefined;
    const location = res.headers.get('location');
    if (location) {
      url = new URL(location, url).href;
      continue;
    }
    const html = await res.text();
    if (res.status !== 200) throw new Error(`the provider answered ${res.status}: ${html.slice(0, 300)}`);
    // The development login form: post the login (any password) to the form's action.
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    if (!action) throw new Error(`no form on the provider's page: ${html.slice(0, 300)}`);
    url = new URL(action.replace(/&amp;/g, '&'), url).href;
    const prompt = /name="prompt" value="(\w+)"/.exec(html)?.[1] ?? 'login';
    body = new URLSearchParams(prompt === 'login' ? { prompt, login, password: 'any-password' } : { prompt });
  }
  throw new Error('too many redirects at the provider');
}
