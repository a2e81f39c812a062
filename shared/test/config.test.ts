import { ConfigError, loadConfig } from '../src';

const secrets = { AUTH_SECRET: 'a'.repeat(32), HOTLINE_SECRET: 'b'.repeat(32) };

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
});
