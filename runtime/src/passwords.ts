import { hash, verify } from '@node-rs/argon2';
import { randomBytes } from 'node:crypto';
import dumbPasswords from 'dumb-passwords';

// Staff passwords: argon2id hashes (OWASP's parameters, the library's defaults), a minimum length
// and a refusal of the ten thousand most used passwords.

export const MIN_PASSWORD_LENGTH = 10;
// Algorithm.Argon2id (a const enum, which isolated modules cannot read).
const ARGON2ID = 2;

/** Why a new password is refused, or undefined if it is acceptable. */
export function passwordProblem(password: string, username?: string): string | undefined {
  if (password.length < MIN_PASSWORD_LENGTH) return `the password must have at least ${MIN_PASSWORD_LENGTH} characters`;
  if (password.length > 200) return 'the password must have at most 200 characters';
  if (dumbPasswords.check(password)) return 'the password is one of the most common passwords; choose another';
  if (username && password.toLowerCase().includes(username.toLowerCase())) return 'the password must not contain the username';
  return undefined;
}

export function hashPassword(password: string): Promise<string> {
  return hash(password, { algorithm: ARGON2ID });
}

/** Whether `password` matches; never for an account without a password (single sign-on only). */
export async function verifyPassword(passwordHash: string | null | undefined, password: string): Promise<boolean> {
  if (!passwordHash) return false;
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

// A hash of a random password, compared against when the username is unknown, so that the answer
// takes as long as for a real account and says nothing about who exists.
let decoy: Promise<string> | undefined;
export function decoyHash(): Promise<string> {
  return (decoy ??= hashPassword(randomBytes(16).toString('hex')));
}

/** A one-time password to print once (the first coordinator, an operator's reset). */
export function oneTimePassword(): string {
  return randomBytes(12).toString('base64url');
}
