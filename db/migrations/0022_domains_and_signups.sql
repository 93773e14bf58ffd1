-- Email domains that customers verify for auto-join, and self sign-up on a portal
-- (docs/decisions/024). Hand-written; db/schema/sign-ups.ts mirrors it.
--
-- A customer's claim on an email domain, proved by a DNS TXT record at _trellis.<domain>
-- (the same adapter and rule as portal hostnames: several organisations may claim one
-- domain, the first to verify owns it, a verified domain is unique). `policy` says what
-- happens to a person whose email is at the domain: `join` (a user at once, with
-- `default_role`) or `approve` (held until an admin approves).
CREATE TABLE `email_domains` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`domain` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`verification_token` text NOT NULL,
	`policy` text DEFAULT 'approve' NOT NULL,
	`default_role` text,
	`created_at` integer NOT NULL,
	`verified_at` integer,
	`checked_at` integer,
	`expires_at` integer,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `email_domains_claim_unique` ON `email_domains` (`domain`,`account_id`);
--> statement-breakpoint
CREATE UNIQUE INDEX `email_domains_verified_unique` ON `email_domains` (`domain`) WHERE status = 'verified';
--> statement-breakpoint
CREATE INDEX `email_domains_status_idx` ON `email_domains` (`status`,`checked_at`);
--> statement-breakpoint
-- A person held at the door of a customer whose domain policy is `approve`.
CREATE TABLE `join_requests` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`user_id` text NOT NULL,
	`domain` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `join_requests_member_unique` ON `join_requests` (`account_id`,`user_id`);
--> statement-breakpoint
-- Whether a portal (a reseller, or the platform for its own hosts) takes self sign-ups.
CREATE TABLE `signup_settings` (
	`account_id` text PRIMARY KEY NOT NULL,
	`mode` text DEFAULT 'off' NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
-- A sign-up waiting for its email link: nothing is created until the link comes back.
-- Only the SHA-256 of the token and the Argon2id hash of the chosen password are kept.
CREATE TABLE `signups` (
	`id` text PRIMARY KEY NOT NULL,
	`token_hash` text NOT NULL,
	`parent_account_id` text NOT NULL,
	`email` text NOT NULL,
	`name` text NOT NULL,
	`password_hash` text NOT NULL,
	`organisation_name` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`used_at` integer,
	FOREIGN KEY (`parent_account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `signups_token_unique` ON `signups` (`token_hash`);
--> statement-breakpoint
-- An organisation created by sign-up, disabled until its parent approves it.
CREATE TABLE `signup_approvals` (
	`account_id` text PRIMARY KEY NOT NULL,
	`parent_account_id` text NOT NULL,
	`user_id` text NOT NULL,
	`email` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`parent_account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `signup_approvals_parent_idx` ON `signup_approvals` (`parent_account_id`,`created_at`);
