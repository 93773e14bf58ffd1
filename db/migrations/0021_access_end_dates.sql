-- Access that ends by itself (docs/decisions/023): an end date on a membership, on one role
-- a member holds, and on the access an invitation grants. `*_set_by` names the login that set
-- the date (told before it ends, with the person); `*_reminded_at` is claimed by the cron
-- before it sends the reminder, so a reminder goes once even when two runs overlap. The
-- partial indexes keep the cron's scan to the rows that end at all.
-- Hand-written; db/schema mirrors it.
ALTER TABLE `memberships` ADD `ends_at` integer;
--> statement-breakpoint
ALTER TABLE `memberships` ADD `ends_set_by` text REFERENCES `users`(`id`) ON DELETE set null;
--> statement-breakpoint
ALTER TABLE `memberships` ADD `end_reminded_at` integer;
--> statement-breakpoint
CREATE INDEX `memberships_ends_idx` ON `memberships` (`ends_at`) WHERE `ends_at` IS NOT NULL;
--> statement-breakpoint
ALTER TABLE `membership_roles` ADD `ends_at` integer;
--> statement-breakpoint
ALTER TABLE `membership_roles` ADD `ends_set_by` text REFERENCES `users`(`id`) ON DELETE set null;
--> statement-breakpoint
ALTER TABLE `membership_roles` ADD `end_reminded_at` integer;
--> statement-breakpoint
CREATE INDEX `membership_roles_ends_idx` ON `membership_roles` (`ends_at`) WHERE `ends_at` IS NOT NULL;
--> statement-breakpoint
ALTER TABLE `invitations` ADD `access_ends_at` integer;
