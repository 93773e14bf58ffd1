CREATE TABLE `membership_roles` (
	`membership_id` text NOT NULL,
	`role_id` text NOT NULL,
	PRIMARY KEY(`membership_id`, `role_id`),
	FOREIGN KEY (`membership_id`) REFERENCES `memberships`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `membership_roles_role_idx` ON `membership_roles` (`role_id`);--> statement-breakpoint
CREATE TABLE `roles` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`permissions` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	`updated_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `roles_account_name_idx` ON `roles` (`account_id`,`name`);--> statement-breakpoint
CREATE TABLE `service_groups` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`name` text NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `service_groups_account_name_idx` ON `service_groups` (`account_id`,`name`);--> statement-breakpoint
CREATE TABLE `service_tags` (
	`service_id` text NOT NULL,
	`tag` text NOT NULL,
	PRIMARY KEY(`service_id`, `tag`),
	FOREIGN KEY (`service_id`) REFERENCES `services`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `service_tags_tag_idx` ON `service_tags` (`tag`,`service_id`);--> statement-breakpoint
CREATE TABLE `services` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`type` text NOT NULL,
	`name` text NOT NULL,
	`status` text DEFAULT 'active' NOT NULL,
	`expires_at` integer,
	`group_id` text,
	`partner_access` integer DEFAULT false NOT NULL,
	`last_action` text,
	`last_action_at` integer,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	`updated_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`group_id`) REFERENCES `service_groups`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `services_account_name_idx` ON `services` (`account_id`,`name`,`id`);--> statement-breakpoint
CREATE INDEX `services_account_expires_idx` ON `services` (`account_id`,`expires_at`);--> statement-breakpoint
CREATE INDEX `services_group_idx` ON `services` (`group_id`);--> statement-breakpoint
ALTER TABLE `accounts` ADD `admin_cap` integer DEFAULT 3 NOT NULL;--> statement-breakpoint
ALTER TABLE `memberships` ADD `scope` text DEFAULT '{"mode":"all"}' NOT NULL;