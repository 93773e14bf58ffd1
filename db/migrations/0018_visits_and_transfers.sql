-- Visitation and transfers (docs/decisions/020). Hand-written; db/schema mirrors it.
-- A parent account's data-centre sites (name + postal address), chosen by its customers'
-- visit requests. A visit request keeps a copy of the site's name and address as they were
-- when it was made, so a confirmation prints what was approved even after the site changes.
-- Visitors (full name, ID document number) are personal data: a JSON array on the request,
-- never copied into activity events.
CREATE TABLE `sites` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`name` text NOT NULL,
	`address` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `sites_account_name_idx` ON `sites` (`account_id`,`name`);
--> statement-breakpoint
CREATE TABLE `visit_requests` (
	`id` text PRIMARY KEY NOT NULL,
	`reference` text NOT NULL,
	`account_id` text NOT NULL,
	`parent_id` text NOT NULL,
	`site_id` text,
	`site_name` text NOT NULL,
	`site_address` text NOT NULL,
	`visit_date` text NOT NULL,
	`start_time` text NOT NULL,
	`end_time` text NOT NULL,
	`purpose` text NOT NULL,
	`visitors` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`reason` text,
	`requested_by_id` text,
	`requested_by_email` text NOT NULL,
	`decided_by_email` text,
	`decided_at` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`parent_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`site_id`) REFERENCES `sites`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `visit_requests_reference_unique` ON `visit_requests` (`reference`);
--> statement-breakpoint
CREATE INDEX `visit_requests_account_idx` ON `visit_requests` (`account_id`,`created_at`);
--> statement-breakpoint
CREATE INDEX `visit_requests_parent_idx` ON `visit_requests` (`parent_id`,`created_at`);
--> statement-breakpoint
-- A service moving between two customers of one parent (reseller or platform). Pending until
-- the owners of both customers confirm; the last confirmation moves the service in the same
-- batch. Names are copied so the history reads the same after a rename or a deletion.
CREATE TABLE `service_transfers` (
	`id` text PRIMARY KEY NOT NULL,
	`parent_id` text NOT NULL,
	`service_id` text,
	`service_name` text NOT NULL,
	`service_type` text NOT NULL,
	`from_account_id` text NOT NULL,
	`from_name` text NOT NULL,
	`to_account_id` text NOT NULL,
	`to_name` text NOT NULL,
	`note` text,
	`status` text DEFAULT 'pending' NOT NULL,
	`proposed_by_email` text NOT NULL,
	`proposed_from_id` text NOT NULL,
	`from_confirmed_by` text,
	`from_confirmed_at` integer,
	`to_confirmed_by` text,
	`to_confirmed_at` integer,
	`closed_by_email` text,
	`reason` text,
	`completion` text,
	`created_at` integer NOT NULL,
	`closed_at` integer,
	FOREIGN KEY (`parent_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`service_id`) REFERENCES `services`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`from_account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`to_account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `service_transfers_parent_idx` ON `service_transfers` (`parent_id`,`created_at`);
--> statement-breakpoint
CREATE INDEX `service_transfers_from_idx` ON `service_transfers` (`from_account_id`,`created_at`);
--> statement-breakpoint
CREATE INDEX `service_transfers_to_idx` ON `service_transfers` (`to_account_id`,`created_at`);
--> statement-breakpoint
-- At most one pending transfer per service.
CREATE UNIQUE INDEX `service_transfers_pending_idx` ON `service_transfers` (`service_id`) WHERE status = 'pending';
