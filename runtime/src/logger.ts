import pino, { type Logger } from 'pino';

// SPEC §7: personal data never appears in logs, whatever object a caller passes.
const REDACT = [
  'customer',
  '*.customer',
  'phone',
  '*.phone',
  'vin',
  '*.vin',
  'plate',
  '*.plate',
  'vehicle',
  '*.vehicle',
  'req.headers.authorization',
  'req.headers["x-signature"]',
  'AUTH_SECRET',
  'HOTLINE_SECRET',
  'SMTP_PASS',
];

export function createLogger(service: string, level: string): Logger {
  return pino({ name: service, level, redact: { paths: REDACT, censor: '[redacted]' } });
}

export type { Logger };
