-- Ownership moves (docs/decisions/026). Hand-written; db/schema/ownership-moves.ts mirrors it.
-- An owner hands the account to one of its admins: one pending handoff per account, a
-- single-use link (only its SHA-256 is stored) that expires after 7 days. Removing either
-- membership takes the handoff with it.
CREATE TABLE `ownership_handoffs` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`from_membership_id` text NOT NULL,
	`to_membership_id` text NOT NULL,
	`token_hash` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`decided_at` integer,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`from_membership_id`) REFERENCES `memberships`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`to_membership_id`) REFERENCES `memberships`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `ownership_handoffs_token_idx` ON `ownership_handoffs` (`token_hash`);
--> statement-breakpoint
CREATE UNIQUE INDEX `ownership_handoffs_pending_idx` ON `ownership_handoffs` (`account_id`) WHERE status = 'pending';
--> statement-breakpoint
-- A reseller asks the owner of an existing customer organisation (named by the owner's
-- email) to bring it under the reseller. The row exists whether or not the email owns any
-- organisation (the reseller learns nothing until the owner accepts); the organisation is
-- chosen by its owner when accepting and recorded then, with the parent it left.
CREATE TABLE `customer_moves` (
	`id` text PRIMARY KEY NOT NULL,
	`reseller_id` text NOT NULL,
	`email` text NOT NULL,
	`token_hash` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`requested_by` text,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`customer_id` text,
	`from_parent_id` text,
	`decided_at` integer,
	FOREIGN KEY (`reseller_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`requested_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`customer_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`from_parent_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `customer_moves_token_idx` ON `customer_moves` (`token_hash`);
--> statement-breakpoint
CREATE UNIQUE INDEX `customer_moves_pending_idx` ON `customer_moves` (`reseller_id`,`email`) WHERE status = 'pending';
--> statement-breakpoint
CREATE INDEX `customer_moves_reseller_idx` ON `customer_moves` (`reseller_id`,`created_at`);
