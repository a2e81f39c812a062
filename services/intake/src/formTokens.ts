import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';

// The public form's token makes a double click, or a repeat after a lost answer, the same
// complaint. An anonymous caller must not be able to choose a token (and so reach another
// customer's complaint): only tokens this server issued, signed with its secret, are honoured.

const SIGNATURE_LENGTH = 32;
const FORM_TOKEN = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.([0-9a-f]{32})$/;

const sign = (secret: string, id: string) => createHmac('sha256', secret).update(`form-token:${id}`).digest('hex').slice(0, SIGNATURE_LENGTH);

/** A new token for one blank form: `<uuid>.<signature>`. */
export function issueFormToken(secret: string): string {
  const id = randomUUID();
  return `${id}.${sign(secret, id)}`;
}

/** The token's id when this server issued it; undefined for anything else (ignored, never an error). */
export function verifyFormToken(secret: string, token: unknown): string | undefined {
  if (typeof token !== 'string') return undefined;
  const match = FORM_TOKEN.exec(token);
  if (!match) return undefined;
  const [, id, signature] = match as unknown as [string, string, string];
  const expected = Buffer.from(sign(secret, id));
  return timingSafeEqual(expected, Buffer.from(signature)) ? id : undefined;
}
