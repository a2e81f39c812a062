// A real OpenID Connect provider (npm oidc-provider) for the single sign-on tests: the company's
// identity provider as intake meets it in production. It is an ES module only, which jest's
// CommonJS runtime cannot load, so test/oidc.ts starts this script with `node` on a free port.
//
// Environment: OIDC_TEST_PORT, OIDC_TEST_CLIENT_ID, OIDC_TEST_CLIENT_SECRET, OIDC_TEST_REDIRECT_URI,
// and OIDC_TEST_ACCOUNTS_FILE: a JSON file of account id → claims, read at every sign-in so that a
// test can change a person's role in the company directory between two sign-ins. The provider's own
// development login form accepts any password for an account id the file lists.
import { readFileSync } from 'node:fs';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';

const port = Number(process.env.OIDC_TEST_PORT);
const issuer = `http://127.0.0.1:${port}`;
const accounts = () => JSON.parse(readFileSync(process.env.OIDC_TEST_ACCOUNTS_FILE, 'utf8'));

const { privateKey } = await generateKeyPair('RS256', { extractable: true });
const signingKey = { ...(await exportJWK(privateKey)), alg: 'RS256', use: 'sig', kid: 'test-signing-key' };

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: process.env.OIDC_TEST_CLIENT_ID,
      client_secret: process.env.OIDC_TEST_CLIENT_SECRET,
      redirect_uris: [process.env.OIDC_TEST_REDIRECT_URI],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  jwks: { keys: [signingKey] },
  cookies: { keys: ['oidc test provider cookie key'] },
  pkce: { required: () => true },
  // The company's directory: role, dealer and region as custom claims of the profile scope.
  claims: { openid: ['sub'], profile: ['name', 'preferred_username', 'locale', 'role', 'dealer_code', 'region'] },
  async findAccount(_ctx, id) {
    const claims = accounts()[id];
    if (!claims) return undefined;
    return { accountId: id, claims: async () => ({ sub: id, ...claims }) };
  },
  // A first-party client of the company: no consent screen, the grant is given at sign-in.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid profile');
    await grant.save();
    return grant;
  },
  features: { devInteractions: { enabled: true } },
});
// Development interactions warn on every start; the test reads only the ready line.
provider.on('server_error', (_ctx, error) => console.error('provider error', error));

provider.listen(port, '127.0.0.1', () => {
  process.stdout.write(`oidc-provider ready ${issuer}\n`);
});
