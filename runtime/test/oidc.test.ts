import { ConfigError, loadConfig } from '@complaints/shared';
import { identityOf, oidcSettings } from '../src/oidc';

// How the company's claims become a user of this system, and what an operator is told about a wrong setting.
describe('single sign-on settings and claims', () => {
  const base = { AUTH_SECRET: 'x'.repeat(16), HOTLINE_SECRET: 'y'.repeat(16), PAYLOAD_KEYS: `k:${Buffer.alloc(32, 1).toString('base64')}` };
  const settings = (env: Record<string, string>) => oidcSettings(loadConfig({ ...base, ...env }));

  it('is off without OIDC_ISSUER, and names the variable that is wrong, never a secret', () => {
    expect(settings({})).toBeUndefined();
    expect(() => settings({ OIDC_ISSUER: 'https://sso.example.com' })).toThrow(/OIDC_CLIENT_ID: is required/);
    expect(() => settings({ OIDC_ISSUER: 'https://sso.example.com', OIDC_CLIENT_ID: 'c', OIDC_CLAIMS: '{nope' })).toThrow(/OIDC_CLAIMS: is not valid JSON/);
    expect(() => settings({ OIDC_ISSUER: 'https://sso.example.com', OIDC_CLIENT_ID: 'c', OIDC_CLAIMS: '{"roles":{"x":"admin"}}' })).toThrow(ConfigError);
    const ok = settings({ OIDC_ISSUER: 'https://sso.example.com', OIDC_CLIENT_ID: 'c', OIDC_CLIENT_SECRET: 'secret-value', PUBLIC_BASE_URL: 'https://complaints.example.com' })!;
    expect(ok.redirectUri).toBe('https://complaints.example.com/login/oidc/callback');
    expect(ok.claims).toMatchObject({ username: 'preferred_username', role: 'role', dealer: 'dealer_code', region: 'region' });
  });

  it('maps roles through the value map and a dotted path, and refuses what does not make a user', () => {
    const map = settings({ OIDC_ISSUER: 'https://sso.example.com', OIDC_CLIENT_ID: 'c', OIDC_CLAIMS: JSON.stringify({ role: 'realm_access.roles', roles: { 'as-dealer': 'dealer', 'as-rm': 'regional_manager', 'as-hq': 'hq' } }) })!.claims;
    const claims = (roles: string[], extra: Record<string, unknown> = {}) => ({ preferred_username: 'Zhang', realm_access: { roles: ['offline_access', ...roles] }, ...extra });
    expect(identityOf(claims(['as-dealer'], { dealer_code: 'SH001', locale: 'en-GB' }), map)).toEqual({ username: 'zhang', displayName: 'zhang', role: 'dealer', dealerCode: 'SH001', language: 'en' });
    expect(identityOf(claims(['as-hq'], { dealer_code: 'SH001', name: '张' }), map)).toEqual({ username: 'zhang', displayName: '张', role: 'hq' });
    expect(identityOf(claims([]), map)).toMatchObject({ refused: 'unknown_role' });
    expect(identityOf(claims(['as-hq', 'as-dealer']), map)).toMatchObject({ refused: 'ambiguous_role' });
    expect(identityOf(claims(['as-dealer']), map)).toMatchObject({ refused: 'no_dealer' });
    expect(identityOf(claims(['as-rm']), map)).toMatchObject({ refused: 'no_region' });
    expect(identityOf({ realm_access: { roles: ['as-hq'] } }, map)).toMatchObject({ refused: 'no_username' });
  });
});
