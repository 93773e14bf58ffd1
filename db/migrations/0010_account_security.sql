-- Account security (decision 013): single-use emailed links (password reset,
-- email verification, email change), verified emails, session facts for the
-- sessions list, and API keys. Hand-written; db/schema/user-links.ts,
-- db/schema/api-keys.ts, users.ts and sessions.ts mirror it.

-- Every login that exists today came in through an invitation (the person chose
-- their own password at the address the link was sent to) or the demo seed: verified.
ALTER TABLE `users` ADD COLUMN `email_verified_at` integer;
--> statement-breakpoint
UPDATE `users` SET `email_verified_at` = `created_at`;
--> statement-breakpoint

-- Where and when a session was last used (written at most every few minutes),
-- and the place the edge knew at sign-in (Cloudflare's country/city), if any.
ALTER TABLE `sessions` ADD COLUMN `last_seen_at` integer;
--> statement-breakpoint
ALTER TABLE `sessions` ADD COLUMN `country` text;
--> statement-breakpoint
ALTER TABLE `sessions` ADD COLUMN `city` text;
--> statement-breakpoint

-- Single-use links sent by email. Only the SHA-256 of the 160-bit token is kept.
-- `email` is the address the link was sent to (the new address of an email change).
CREATE TABLE `user_links` (
	`id` text PRIMARY KEY NOT NULL,
	`token_hash` text NOT NULL,
	`user_id` text NOT NULL,
	`purpose` text NOT NULL,
	`email` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`used_at` integer,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `user_links_token_idx` ON `user_links` (`token_hash`);
--> statement-breakpoint
CREATE INDEX `user_links_user_idx` ON `user_links` (`user_id`, `purpose`);
--> statement-breakpoint

-- API keys: a non-person principal of one account with a member's kind of grant.
-- The key is `trl_<id part>_<secret>`; the row's id is `key_<id part>` and only the
-- SHA-256 of the secret is stored. No foreign key to users: the creator may leave.
CREATE TABLE `api_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`name` text NOT NULL,
	`secret_hash` text NOT NULL,
	`level` text NOT NULL,
	`role_ids` text DEFAULT '[]' NOT NULL,
	`scope` text DEFAULT '{"mode":"none"}' NOT NULL,
	`created_by_id` text,
	`created_by_email` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer,
	`last_used_at` integer,
	`last_used_ip` text,
	`revoked_at` integer,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `api_keys_account_idx` ON `api_keys` (`account_id`, `created_at`);
