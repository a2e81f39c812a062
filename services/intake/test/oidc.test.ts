import request from 'supertest';
import mongoose from 'mongoose';
import { createApp } from '../src/app';
import { addCompanyUser, addUser, createLogger, changeUser, createAccountModels, type AccountModels, type UserDoc } from '@complaints/runtime';
import { signInAtProvider, startOidcProvider, type CompanyAccounts, type TestProvider } from '../../../test/oidc';
import { useIntakeApp } from './harness';

// Single sign-on with the company's identity provider: a real OpenID Connect provider (npm
// oidc-provider) that the test starts, the provider's own login form, and the callback that starts
// the same server-side session as a password sign-in.
describe('single sign-on with a company account (OIDC)', () => {
  const PASSWORD = 'violet-harbour-42';
  const directory: CompanyAccounts = {
    zhou: { preferred_username: 'zhou', name: '周经理', locale: 'zh-CN', role: 'aftersales-dealer', dealer_code: 'SH001' },
    'wu@corp.example': { preferred_username: 'Wu@Corp.Example', name: 'Wu Lan', locale: 'en-US', role: ['staff', 'aftersales-coordinator'] },
    guest: { preferred_username: 'guest', name: 'Guest', role: 'marketing' },
    nodealer: { preferred_username: 'nodealer', name: 'No Dealer', role: 'aftersales-dealer' },
    li: { preferred_username: 'li', name: '李协调', role: 'aftersales-coordinator' },
    he: { preferred_username: 'he', name: '何经理', role: 'aftersales-region', region: 'east' },
  };
  let provider: TestProvider;
  const intake = useIntakeApp('oidc', {
    config: {
      OIDC_CLAIMS: JSON.stringify({ role: 'role', roles: { 'aftersales-dealer': 'dealer', 'aftersales-coordinator': 'coordinator', 'aftersales-region': 'regional_manager' } }),
    },
    prepare: async () => {
      // The redirect URI is registered at the provider; supertest calls it on the app directly.
      provider = await startOidcProvider({ redirectUri: 'http://127.0.0.1:3000/login/oidc/callback', accounts: directory });
      return { OIDC_ISSUER: provider.issuer, OIDC_CLIENT_ID: provider.clientId, OIDC_CLIENT_SECRET: provider.clientSecret };
    },
  });
  const app = () => intake.app();
  let accounts: AccountModels;

  beforeAll(async () => {
    accounts = createAccountModels(intake.models().Complaint.db as unknown as mongoose.Connection);
    await Promise.all([accounts.User.init(), accounts.Session.init(), accounts.OidcLogin.init()]);
    await addUser(accounts, { username: 'li', role: 'coordinator', password: PASSWORD });
  });
  afterAll(async () => {
    await provider?.stop();
  });
  afterEach(() => provider.setAccounts(directory));

  const cookieNamed = (res: request.Response, name: string) => ((res.headers['set-cookie'] as unknown as string[] | undefined) ?? []).find((c) => c.startsWith(`${name}=`) && !c.startsWith(`${name}=;`));
  /** Starts at /login/oidc, signs in at the provider as `login`, and returns where the provider sends the browser back, with the browser's cookie. */
  const toProvider = async (login: string, lang = '') => {
    const start = await request(app()).get(`/login/oidc${lang}`).expect(303);
    const cookie = cookieNamed(start, 'complaints_oidc')!.split(';')[0]!;
    const back = await signInAtProvider(start.headers.location!, login);
    return { back, cookie, start };
  };
  const signInBySso = async (login: string) => {
    const { back, cookie } = await toProvider(login);
    return request(app()).get(back.pathname + back.search).set('cookie', cookie);
  };
  const sessionOf = (res: request.Response) => cookieNamed(res, 'complaints_session')?.split(';')[0];

  it('offers the company account on the sign-in page', async () => {
    const page = await request(app()).get('/login?lang=en').expect(200);
    expect(page.text).toContain('Sign in with company account');
    expect(page.text).toMatch(/id="company-sign-in" href="\/login\/oidc\?lang(=|&#x3D;)en"/);
    const zh = await request(app()).get('/login').expect(200);
    expect(zh.text).toContain('使用企业账号登录');
  });

  it('sends the browser to the provider with PKCE, state and nonce, and a cookie tied to this sign-in only', async () => {
    const start = await request(app()).get('/login/oidc').expect(303);
    const url = new URL(start.headers.location!);
    expect(url.origin).toBe(provider.issuer);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    for (const name of ['code_challenge', 'state', 'nonce', 'client_id', 'redirect_uri']) expect(url.searchParams.get(name)).toBeTruthy();
    const cookie = cookieNamed(start, 'complaints_oidc')!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).toMatch(/Path=\/login\/oidc/);
  });

  it('signs a dealer in through the provider: a user marked oidc without a password, in the same session as a password sign-in', async () => {
    const res = await signInBySso('zhou');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/complaints');
    const cookie = sessionOf(res)!;
    expect(cookieNamed(res, 'complaints_session')).toMatch(/HttpOnly/);
    const session = await request(app()).get('/api/session').set('cookie', cookie).expect(200);
    expect(session.body).toMatchObject({ username: 'zhou', displayName: '周经理', role: 'dealer', dealerCode: 'SH001', language: 'zh' });
    await request(app()).get('/api/complaints').set('cookie', cookie).expect(200);
    const user = await accounts.User.findById('zhou').lean<UserDoc>();
    expect(user).toMatchObject({ source: 'oidc', role: 'dealer', dealerCode: 'SH001', active: true });
    expect(user!.passwordHash).toBeUndefined();
    expect(user!.oidcSubject).toBe(`${provider.issuer} zhou`);
    // A company account has no password here: the password form refuses whatever is typed.
    await request(app()).post('/login').type('form').send({ username: 'zhou', password: 'anything-at-all-1' }).expect(401);
  });

  it('maps a list of roles through the value map, an e-mail username and the English locale', async () => {
    const res = await signInBySso('wu@corp.example');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/complaints?lang=en');
    const session = await request(app()).get('/api/session').set('cookie', sessionOf(res)!).expect(200);
    expect(session.body).toMatchObject({ username: 'wu@corp.example', role: 'coordinator', language: 'en' });
    expect(session.body.dealerCode).toBeUndefined();
  });

  it('refuses a callback whose state does not match, one without the browser’s cookie, and one used twice', async () => {
    const { back, cookie } = await toProvider('zhou');
    const forged = new URL(back);
    forged.searchParams.set('state', 'forged-state');
    const refused = await request(app()).get(forged.pathname + forged.search).set('cookie', cookie);
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('企业账号登录未完成');
    expect(sessionOf(refused)).toBeUndefined();
    // The genuine answer is no good now either: the sign-in under way was used up.
    const replay = await request(app()).get(back.pathname + back.search).set('cookie', cookie);
    expect(replay.status).toBe(400);
    expect(sessionOf(replay)).toBeUndefined();

    const other = await toProvider('zhou');
    const withoutCookie = await request(app()).get(other.back.pathname + other.back.search);
    expect(withoutCookie.status).toBe(400);
    expect(sessionOf(withoutCookie)).toBeUndefined();
  });

  it('refuses, with a page that says why and no session, a role the system does not know and a dealer without a dealer code', async () => {
    const unknown = await signInBySso('guest');
    expect(unknown.status).toBe(403);
    expect(unknown.text).toContain('您的企业账号在本系统中没有角色');
    expect(sessionOf(unknown)).toBeUndefined();
    expect(await accounts.User.exists({ _id: 'guest' })).toBeNull();

    const noDealer = await signInBySso('nodealer');
    expect(noDealer.status).toBe(403);
    expect(noDealer.text).toContain('没有经销商代码');
    expect(sessionOf(noDealer)).toBeUndefined();
  });

  it('ends the older sessions of a user whose dealer the company directory changed, and refuses a user deactivated here', async () => {
    const first = sessionOf(await signInBySso('zhou'))!;
    await request(app()).get('/api/session').set('cookie', first).expect(200);
    provider.setAccounts({ ...directory, zhou: { ...directory.zhou, dealer_code: 'SH002' } });
    const second = sessionOf(await signInBySso('zhou'))!;
    await request(app()).get('/api/session').set('cookie', first).expect(401);
    const now = await request(app()).get('/api/session').set('cookie', second).expect(200);
    expect(now.body.dealerCode).toBe('SH002');

    await changeUser(accounts, 'zhou', { active: false }); // `npm run -s cli -- user deactivate`
    await request(app()).get('/api/session').set('cookie', second).expect(401);
    const refused = await signInBySso('zhou');
    expect(refused.status).toBe(403);
    expect(refused.text).toContain('该账号已停用');
    expect(sessionOf(refused)).toBeUndefined();
    await changeUser(accounts, 'zhou', { active: true });
  });

  it('never joins a company account to a password account of the same username, but does to a company account an operator prepared', async () => {
    // Two people may share a username (pinyin collides): the company directory's wang must not
    // become, or change the role of, the wang an operator added with a password.
    const refused = await signInBySso('li');
    expect(refused.status).toBe(403);
    expect(sessionOf(refused)).toBeUndefined();
    const user = await accounts.User.findById('li').lean<UserDoc>();
    expect(user).toMatchObject({ source: 'password', role: 'coordinator' });
    expect(user?.oidcSubject).toBeUndefined();
    const withPassword = await request(app()).post('/login').type('form').send({ username: 'li', password: PASSWORD });
    expect(withPassword.headers.location).toBe('/complaints');

    await addCompanyUser(accounts, { username: 'he', role: 'regional_manager', region: 'east' });
    const joined = await signInBySso('he');
    expect(joined.status).toBe(303);
    expect(await accounts.User.findById('he').lean<UserDoc>()).toMatchObject({ source: 'oidc', oidcSubject: `${provider.issuer} he` });
  });

  it('bounds how many company sign-ins one address may start in a minute, each of which stores its state', async () => {
    const strict = createApp({ config: { ...intake.config, PUBLIC_RATE_LIMIT: 1 }, logger: createLogger('oidc-limit', 'silent'), mongo: intake.mongo(), models: intake.models(), temporal: intake.temporal() });
    const starts = [];
    for (let i = 0; i < 7; i++) starts.push((await request(strict).get('/login/oidc')).status);
    expect(starts.slice(0, 6)).toEqual([303, 303, 303, 303, 303, 303]);
    expect(starts[6]).toBe(429);
  });

  it('maps only the role names the configuration lists, not names every object has', async () => {
    provider.setAccounts({ ...directory, zhou: { ...directory.zhou!, role: 'constructor' } });
    const res = await signInBySso('zhou');
    expect(res.status).toBe(403);
    expect(sessionOf(res)).toBeUndefined();
  });
});
