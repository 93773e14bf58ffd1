-- Two-factor sign-in: TOTP factors (active and pending apart, so an abandoned enrolment
-- enables nothing), recovery codes, passkeys, WebAuthn challenges, the short-lived step
-- between a right password and a session, trusted locations, and each account's
-- sign-in security policy. Hand-written; db/schema/two-factor.ts mirrors it.
-- Decision record 014 explains the choices.

-- An active TOTP factor. The secret is AES-GCM encrypted (it must be recoverable to
-- compute codes, so it cannot be hashed). `last_used_step` refuses a code twice.
CREATE TABLE `totp_factors` (
  `user_id` text PRIMARY KEY NOT NULL REFERENCES `users`(`id`) ON DELETE CASCADE,
  `secret` text NOT NULL,
  `last_used_step` integer,
  `enabled_at` integer NOT NULL
);
--> statement-breakpoint
-- An enrolment waiting for its first code; replaced by a new one, gone when confirmed.
CREATE TABLE `totp_enrolments` (
  `user_id` text PRIMARY KEY NOT NULL REFERENCES `users`(`id`) ON DELETE CASCADE,
  `secret` text NOT NULL,
  `created_at` integer NOT NULL,
  `expires_at` integer NOT NULL
);
--> statement-breakpoint
-- Single-use recovery codes: only the SHA-256 of each code is kept.
CREATE TABLE `recovery_codes` (
  `code_hash` text PRIMARY KEY NOT NULL,
  `user_id` text NOT NULL REFERENCES `users`(`id`) ON DELETE CASCADE,
  `created_at` integer NOT NULL,
  `used_at` integer
);
--> statement-breakpoint
CREATE INDEX `recovery_codes_user_idx` ON `recovery_codes` (`user_id`);
--> statement-breakpoint
-- A WebAuthn credential: its id (base64url), public key (SEC1 for ES256, PKCS#1 for
-- RS256, base64), the relying party it was made for, and the signature counter.
CREATE TABLE `passkeys` (
  `id` text PRIMARY KEY NOT NULL,
  `credential_id` text NOT NULL,
  `user_id` text NOT NULL REFERENCES `users`(`id`) ON DELETE CASCADE,
  `name` text NOT NULL,
  `algorithm` integer NOT NULL,
  `public_key` text NOT NULL,
  `rp_id` text NOT NULL,
  `sign_count` integer NOT NULL,
  `created_at` integer NOT NULL,
  `last_used_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `passkeys_credential_idx` ON `passkeys` (`credential_id`);
--> statement-breakpoint
CREATE INDEX `passkeys_user_idx` ON `passkeys` (`user_id`);
--> statement-breakpoint
-- A WebAuthn challenge, keyed by its SHA-256 and deleted when used: single-use.
CREATE TABLE `webauthn_challenges` (
  `challenge_hash` text PRIMARY KEY NOT NULL,
  `purpose` text NOT NULL,
  `user_id` text,
  `step_id` text,
  `expires_at` integer NOT NULL
);
--> statement-breakpoint
-- Between a right password and a session: the login still owes a second factor
-- (`verify`) or must enrol one first (`enrol`). The cookie holds `<id>.<secret>`.
CREATE TABLE `sign_in_steps` (
  `id` text PRIMARY KEY NOT NULL,
  `secret_hash` text NOT NULL,
  `user_id` text NOT NULL REFERENCES `users`(`id`) ON DELETE CASCADE,
  `kind` text NOT NULL,
  `created_at` integer NOT NULL,
  `expires_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `sign_in_steps_user_idx` ON `sign_in_steps` (`user_id`);
--> statement-breakpoint
-- An IP location (IPv4 /24, IPv6 /64) where the login passed a second factor and
-- chose to trust it: the second factor is skipped from there until `expires_at`.
CREATE TABLE `trusted_locations` (
  `id` text PRIMARY KEY NOT NULL,
  `user_id` text NOT NULL REFERENCES `users`(`id`) ON DELETE CASCADE,
  `network` text NOT NULL,
  `place` text,
  `created_at` integer NOT NULL,
  `last_used_at` integer NOT NULL,
  `expires_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `trusted_locations_user_network_idx` ON `trusted_locations` (`user_id`, `network`);
--> statement-breakpoint
-- An account's sign-in security policy, applied to its whole subtree; the strictest
-- value on the path wins. No row = no opinion: 2FA not required, passwordless passkeys
-- allowed; `trusted_location_days` NULL = not set (where nobody on the path sets it,
-- locations are never trusted), 0 = never.
CREATE TABLE `security_policies` (
  `account_id` text PRIMARY KEY NOT NULL REFERENCES `accounts`(`id`) ON DELETE CASCADE,
  `require_two_factor` integer NOT NULL DEFAULT 0,
  `allow_passwordless` integer NOT NULL DEFAULT 1,
  `trusted_location_days` integer,
  `updated_at` integer NOT NULL
);
