import { ConfigError, SECRET_VARIABLES, loadConfig, payloadKeyring } from '../src';

const KEY_1 = Buffer.alloc(32, 1).toString('base64');
const KEY_2 = Buffer.alloc(32, 2).toString('base64');
const secrets = { AUTH_SECRET: 'a'.repeat(32), HOTLINE_SECRET: 'b'.repeat(32), PAYLOAD_KEYS: `k1:${KEY_1}` };

describe('loadConfig', () => {
  it('fills the local-stack defaults of SPEC §8', () => {
    const config = loadConfig(secrets);
    expect(config).toMatchObject({
      TEMPORAL_ADDRESS: '127.0.0.1:7233',
      TEMPORAL_NAMESPACE: 'default',
      MONGO_URL: 'mongodb://127.0.0.1:27017/complaints',
      SMTP_PORT: 1025,
      INTAKE_PORT: 3000,
      NOTIFIER_PORT: 3001,
      REPORTING_PORT: 3002,
    });
  });

  it('names every missing or bad variable, and never prints a secret', () => {
    const leaked = 'short-secret';
    let error: unknown;
    try {
      loadConfig({ AUTH_SECRET: leaked, INTAKE_PORT: '70000', MONGO_URL: 'postgres://x', SMTP_SECURE: 'maybe' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain('AUTH_SECRET: must be at least 16 characters');
    expect(message).toContain('HOTLINE_SECRET: is required');
    expect(message).toContain('INTAKE_PORT:');
    expect(message).toContain('MONGO_URL: must be a mongodb:// URL');
    expect(message).toContain('SMTP_SECURE:');
    expect(message).not.toContain(leaked);
  });

  it('reads booleans and ports from their string form', () => {
    expect(loadConfig({ ...secrets, SMTP_SECURE: 'true', SMTP_PORT: '465' })).toMatchObject({ SMTP_SECURE: true, SMTP_PORT: 465 });
  });

  describe('payload keys', () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig({ ...secrets, ...env });
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return (error as ConfigError).problems;
      }
      return [];
    };

    it('reads the keys as id:base64 pairs or as a JSON object, and writes with the only key when PAYLOAD_KEY_ID is not set', () => {
      expect(payloadKeyring(loadConfig(secrets))).toEqual({ keys: { k1: KEY_1 }, writeKeyId: 'k1' });
      const rotated = loadConfig({ ...secrets, PAYLOAD_KEYS: `k1:${KEY_1}, k2:${KEY_2}`, PAYLOAD_KEY_ID: 'k2' });
      expect(payloadKeyring(rotated)).toEqual({ keys: { k1: KEY_1, k2: KEY_2 }, writeKeyId: 'k2' });
      const json = loadConfig({ ...secrets, PAYLOAD_KEYS: JSON.stringify({ k1: KEY_1, k2: KEY_2 }), PAYLOAD_KEY_ID: 'k1' });
      expect(payloadKeyring(json)).toEqual({ keys: { k1: KEY_1, k2: KEY_2 }, writeKeyId: 'k1' });
    });

    it('stops the start with a message naming the setting, never the key', () => {
      expect(problems({ PAYLOAD_KEYS: undefined as unknown as string })).toEqual(['PAYLOAD_KEYS: is required']);
      const short = Buffer.alloc(16, 7).toString('base64');
      const [tooShort] = problems({ PAYLOAD_KEYS: `k1:${short}` });
      expect(tooShort).toMatch(/^PAYLOAD_KEYS: key k1 must be 32 bytes in base64/);
      expect(tooShort).not.toContain(short);
      expect(problems({ PAYLOAD_KEYS: 'k1' })).toEqual([expect.stringMatching(/^PAYLOAD_KEYS: /)]);
      expect(problems({ PAYLOAD_KEYS: '{"k1": 5}' })).toEqual([expect.stringMatching(/^PAYLOAD_KEYS: key k1 must be 32 bytes in base64/)]);
      expect(problems({ PAYLOAD_KEYS: `k1:${KEY_1},k1:${KEY_2}` })).toEqual(['PAYLOAD_KEYS: key k1 is listed twice']);
      expect(problems({ PAYLOAD_KEYS: `k1:${KEY_1},k2:${KEY_2}` })).toEqual(['PAYLOAD_KEY_ID: is required when PAYLOAD_KEYS holds several keys']);
      expect(problems({ PAYLOAD_KEY_ID: 'k9' })).toEqual(['PAYLOAD_KEY_ID: names no key of PAYLOAD_KEYS']);
    });

    it('counts the keys among the secrets that are never printed', () => {
      expect(SECRET_VARIABLES).toContain('PAYLOAD_KEYS');
    });
  });
});
