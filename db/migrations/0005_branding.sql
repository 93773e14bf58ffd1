-- Branding (issue 6): one brand per reseller (or the platform), and the hostnames
-- resellers claim for their portals. Hand-written; db/schema/brands.ts mirrors it.
CREATE TABLE `brands` (
	`account_id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`logo_key` text,
	`logo_content_type` text,
	`logo_version` integer DEFAULT 0 NOT NULL,
	`primary_color` text NOT NULL,
	`accent_color` text NOT NULL,
	`support_email` text,
	`support_url` text,
	`login_message` text,
	`updated_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `hostnames` (
	`id` text PRIMARY KEY NOT NULL,
	`hostname` text NOT NULL,
	`reseller_account_id` text NOT NULL,
	`customer_account_id` text,
	`status` text DEFAULT 'pending' NOT NULL,
	`verification_token` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	`verified_at` integer,
	FOREIGN KEY (`reseller_account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`customer_account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `hostnames_hostname_unique` ON `hostnames` (`hostname`);--> statement-breakpoint
CREATE INDEX `hostnames_reseller_idx` ON `hostnames` (`reseller_account_id`,`hostname`);
