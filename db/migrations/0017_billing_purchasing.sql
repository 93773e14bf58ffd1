-- Billing and purchasing (docs/decisions/019). Hand-written; db/schema mirrors it.
-- Invoices are a copy of what the operator's billing system holds for an account, kept by
-- (account_id, external_id) so a sync updates rows in place; amounts in minor units.
CREATE TABLE `invoices` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`external_id` text NOT NULL,
	`number` text NOT NULL,
	`issued_at` integer NOT NULL,
	`due_at` integer,
	`amount_minor` integer NOT NULL,
	`currency` text NOT NULL,
	`status` text NOT NULL,
	`pdf_url` text,
	`synced_at` integer NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `invoices_account_external_idx` ON `invoices` (`account_id`,`external_id`);
--> statement-breakpoint
CREATE INDEX `invoices_account_issued_idx` ON `invoices` (`account_id`,`issued_at`,`id`);
--> statement-breakpoint
CREATE INDEX `invoices_status_due_idx` ON `invoices` (`status`,`due_at`);
--> statement-breakpoint
-- The last sync of each account with the billing system: when it was tried, when it last
-- succeeded, and what went wrong (shown on the Billing page; the cron takes the oldest first).
CREATE TABLE `billing_syncs` (
	`account_id` text PRIMARY KEY NOT NULL,
	`attempted_at` integer NOT NULL,
	`synced_at` integer,
	`error` text,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
-- One row per payment reminder sent: (invoice, state) is claimed before the email goes, so a
-- rerun of the cron never sends the same reminder twice.
CREATE TABLE `invoice_reminders` (
	`invoice_id` text NOT NULL,
	`state` text NOT NULL,
	`sent_at` integer NOT NULL,
	PRIMARY KEY(`invoice_id`, `state`),
	FOREIGN KEY (`invoice_id`) REFERENCES `invoices`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
-- A parent's (platform's or reseller's) catalogue of service plans, offered to its children.
CREATE TABLE `plans` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`name` text NOT NULL,
	`service_type` text NOT NULL,
	`price_minor` integer NOT NULL,
	`currency` text NOT NULL,
	`period` text NOT NULL,
	`active` integer DEFAULT true NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `plans_account_name_idx` ON `plans` (`account_id`,`name`);
--> statement-breakpoint
-- An order of a plan by a child account from its parent. The plan's terms are copied in at
-- ordering time (the catalogue may change later); approval creates the service (service_id).
CREATE TABLE `orders` (
	`id` text PRIMARY KEY NOT NULL,
	`buyer_account_id` text NOT NULL,
	`seller_account_id` text NOT NULL,
	`plan_id` text,
	`plan_name` text NOT NULL,
	`service_type` text NOT NULL,
	`price_minor` integer NOT NULL,
	`currency` text NOT NULL,
	`period` text NOT NULL,
	`service_name` text,
	`status` text DEFAULT 'pending' NOT NULL,
	`reason` text,
	`ordered_by_id` text,
	`ordered_by_email` text NOT NULL,
	`decided_by_email` text,
	`decided_at` integer,
	`service_id` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`buyer_account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`seller_account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`plan_id`) REFERENCES `plans`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`service_id`) REFERENCES `services`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `orders_buyer_idx` ON `orders` (`buyer_account_id`,`created_at`,`id`);
--> statement-breakpoint
CREATE INDEX `orders_seller_idx` ON `orders` (`seller_account_id`,`created_at`,`id`);
