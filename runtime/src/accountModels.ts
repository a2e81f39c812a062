import { Schema, type Connection, type InferSchemaType, type Model } from 'mongoose';

// The people who sign in (staff of the after-sales network) and their server-side sessions.
// FerretDB (docs/ferretdb.md): only an _id equality is index-backed, so a user is keyed by its
// username and a session by the digest of its cookie; a user's sessions are found by a scan,
// which only a change to the account (rare) does.

export const USER_ROLES = ['coordinator', 'call_center', 'dealer', 'regional_manager', 'hq'] as const;
export type UserRole = (typeof USER_ROLES)[number];

const userSchema = new Schema(
  {
    _id: { type: String, required: true }, // the username
    displayName: { type: String, required: true },
    role: { type: String, enum: USER_ROLES, required: true },
    dealerCode: String,
    region: String,
    language: { type: String, enum: ['zh', 'en'], default: 'zh' },
    active: { type: Boolean, default: true },
    /** argon2id (runtime/src/passwords.ts); never logged, never sent. None for a company (OIDC) account. */
    passwordHash: String,
    /**
     * How the account came to be: `password`, added by an operator (the CLI, the console, npm start),
     * or `oidc`, made at its first single sign-on from the company's directory, with no password.
     */
    source: { type: String, enum: ['password', 'oidc'], default: 'password' },
    /** The company identity (issuer and subject) that signs in as this user by single sign-on. */
    oidcSubject: String,
    /** A one-time password (the first coordinator, a reset by an operator): must be changed at the next sign-in. */
    mustChangePassword: { type: Boolean, default: false },
  },
  { collection: 'users', timestamps: true, versionKey: false },
);

const sessionSchema = new Schema(
  {
    _id: { type: String, required: true }, // SHA-256 of the cookie's value: the database alone cannot sign anyone in
    username: { type: String, required: true },
    createdAt: { type: Date, required: true },
    lastSeenAt: { type: Date, required: true },
    /** The synchroniser token every form and cookie-authenticated write must carry. */
    csrfToken: { type: String, required: true },
  },
  { collection: 'sessions', versionKey: false },
);

// A single sign-on under way: the browser went to the company's provider and will come back to
// /login/oidc/callback. Keyed by the digest of a random cookie's value; used once, and refused after
// OIDC_LOGIN_MINUTES.
const oidcLoginSchema = new Schema(
  {
    _id: { type: String, required: true },
    state: { type: String, required: true },
    nonce: { type: String, required: true },
    codeVerifier: { type: String, required: true },
    language: { type: String, enum: ['zh', 'en'], default: 'zh' },
    createdAt: { type: Date, required: true },
  },
  { collection: 'oidc_logins', versionKey: false },
);

export type UserDoc = InferSchemaType<typeof userSchema> & { _id: string };
export type SessionDoc = InferSchemaType<typeof sessionSchema> & { _id: string };
export type OidcLoginDoc = InferSchemaType<typeof oidcLoginSchema> & { _id: string };

export interface AccountModels {
  User: Model<UserDoc>;
  Session: Model<SessionDoc>;
  OidcLogin: Model<OidcLoginDoc>;
}

export function createAccountModels(mongo: Connection): AccountModels {
  return {
    User: (mongo.models.User as Model<UserDoc>) ?? mongo.model<UserDoc>('User', userSchema),
    Session: (mongo.models.Session as Model<SessionDoc>) ?? mongo.model<SessionDoc>('Session', sessionSchema),
    OidcLogin: (mongo.models.OidcLogin as Model<OidcLoginDoc>) ?? mongo.model<OidcLoginDoc>('OidcLogin', oidcLoginSchema),
  };
}
