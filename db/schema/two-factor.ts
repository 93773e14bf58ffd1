import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'
import { accounts } from './accounts.ts'
import { users } from './users.ts'

/**
 * An active TOTP factor (RFC 6238). `secret` is AES-GCM ciphertext (crypto/totp.ts):
 * an HMAC key must be recoverable, so it cannot be hashed. `lastUsedStep` refuses a
 * code, or any earlier one, once a code of that 30-second step was accepted.
 */
export const totpFactors = sqliteTable('totp_factors', {
  userId: text('user_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  secret: text('secret').notNull(),
  lastUsedStep: integer('last_used_step'),
  enabledAt: integer('enabled_at').notNull(),
})

/** A TOTP enrolment waiting for its first code: nothing is enabled until it is confirmed. */
export const totpEnrolments = sqliteTable('totp_enrolments', {
  userId: text('user_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  secret: text('secret').notNull(),
  createdAt: integer('created_at').notNull(),
  expiresAt: integer('expires_at').notNull(),
})

/** Single-use recovery codes, stored as the SHA-256 of the code. */
export const recoveryCodes = sqliteTable(
  'recovery_codes',
  {
    codeHash: text('code_hash').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: integer('created_at').notNull(),
    usedAt: integer('used_at'),
  },
  (t) => [index('recovery_codes_user_idx').on(t.userId)],
)

/** A WebAuthn credential (passkey) of a login. */
export const passkeys = sqliteTable(
  'passkeys',
  {
    id: text('id').primaryKey(),
    /** The authenticator's credential id, base64url. */
    credentialId: text('credential_id').notNull(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** COSE algorithm: -7 (ES256) or -257 (RS256). */
    algorithm: integer('algorithm').notNull(),
    /** SEC1 (ES256) or PKCS#1 (RS256) public key, base64. */
    publicKey: text('public_key').notNull(),
    /** The relying party id (the portal's hostname) the passkey was made for. */
    rpId: text('rp_id').notNull(),
    signCount: integer('sign_count').notNull(),
    createdAt: integer('created_at').notNull(),
    lastUsedAt: integer('last_used_at'),
  },
  (t) => [uniqueIndex('passkeys_credential_idx').on(t.credentialId), index('passkeys_user_idx').on(t.userId)],
)

/** A WebAuthn challenge: keyed by its SHA-256, deleted when used (single-use), with an expiry. */
export const webauthnChallenges = sqliteTable('webauthn_challenges', {
  challengeHash: text('challenge_hash').primaryKey(),
  /** `register` (signed in), `second_factor` (a sign-in step) or `passwordless`. */
  purpose: text('purpose').notNull(),
  userId: text('user_id'),
  stepId: text('step_id'),
  expiresAt: integer('expires_at').notNull(),
})

/**
 * The step between a right password and a session: a second factor is owed
 * (`verify`), or the login must enrol one first (`enrol`). Not a session: it
 * reaches nothing but the step's own endpoints.
 */
export const signInSteps = sqliteTable(
  'sign_in_steps',
  {
    id: text('id').primaryKey(),
    secretHash: text('secret_hash').notNull(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: ['verify', 'enrol'] }).notNull(),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
  },
  (t) => [index('sign_in_steps_user_idx').on(t.userId)],
)

/** An IP location (IPv4 /24, IPv6 /64) where a login skips the second factor until `expiresAt`. */
export const trustedLocations = sqliteTable(
  'trusted_locations',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    network: text('network').notNull(),
    /** "City, Country" from Cloudflare's request data, when known. */
    place: text('place'),
    createdAt: integer('created_at').notNull(),
    lastUsedAt: integer('last_used_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
  },
  (t) => [uniqueIndex('trusted_locations_user_network_idx').on(t.userId, t.network)],
)

/** An account's sign-in security policy, applied to its whole subtree (strictest wins). No row = defaults. */
export const securityPolicies = sqliteTable('security_policies', {
  accountId: text('account_id')
    .primaryKey()
    .references(() => accounts.id, { onDelete: 'cascade' }),
  requireTwoFactor: integer('require_two_factor', { mode: 'boolean' }).notNull().default(false),
  allowPasswordless: integer('allow_passwordless', { mode: 'boolean' }).notNull().default(true),
  /** Days a location may be trusted in this subtree; null = not set here, 0 = never. */
  trustedLocationDays: integer('trusted_location_days'),
  updatedAt: integer('updated_at').notNull(),
})
