-- Each reseller's own email sender (docs/decisions/007): a sending domain registered with the
-- email provider's domains API (provider_id), the DNS records the provider asks for (records,
-- JSON) and its verification status. Mail of the reseller's tree leaves from
-- `portal@<domain>` once verified; until then from the platform's sender, in the reseller's
-- name, with its support address as Reply-To. The outbox keeps the From and Reply-To each
-- message was given. Hand-written; db/schema mirrors it.
CREATE TABLE `sender_domains` (
	`account_id` text PRIMARY KEY NOT NULL,
	`domain` text NOT NULL,
	`provider_id` text,
	`status` text DEFAULT 'not_started' NOT NULL,
	`records` text DEFAULT '[]' NOT NULL,
	`created_at` integer NOT NULL,
	`checked_at` integer,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `sender_domains_domain_unique` ON `sender_domains` (`domain`);
--> statement-breakpoint
CREATE INDEX `sender_domains_status_idx` ON `sender_domains` (`status`,`checked_at`);
--> statement-breakpoint
ALTER TABLE `email_outbox` ADD `sender` text;
--> statement-breakpoint
ALTER TABLE `email_outbox` ADD `reply_to` text;
