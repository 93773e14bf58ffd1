-- Server actions sent to the operator's provisioning backend, licences on services
-- (docs/decisions/022). One pending action per service at a time: the partial unique index
-- makes a second, racing request fail in the database itself. Licence keys are sealed
-- (AES-GCM) because people allowed to manage the service read them back.
-- Hand-written; db/schema mirrors it.
CREATE TABLE `service_actions` (
	`id` text PRIMARY KEY NOT NULL,
	`service_id` text NOT NULL,
	`account_id` text NOT NULL,
	`action` text NOT NULL,
	`new_name` text,
	`status` text DEFAULT 'pending' NOT NULL,
	`reason` text,
	`requested_by` text NOT NULL,
	`created_at` integer NOT NULL,
	`deadline_at` integer NOT NULL,
	`finished_at` integer,
	FOREIGN KEY (`service_id`) REFERENCES `services`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `service_actions_one_pending_idx` ON `service_actions` (`service_id`) WHERE `status` = 'pending';
--> statement-breakpoint
CREATE INDEX `service_actions_service_idx` ON `service_actions` (`service_id`,`created_at`);
--> statement-breakpoint
CREATE TABLE `service_licenses` (
	`service_id` text PRIMARY KEY NOT NULL,
	`product` text NOT NULL,
	`seats` integer NOT NULL,
	`expires_at` integer,
	`sealed_key` text NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`service_id`) REFERENCES `services`(`id`) ON UPDATE no action ON DELETE cascade
);
