-- Hostname claims (security issue, item 10): several resellers may each hold a pending
-- claim on one name (each with its own TXT token); the first to verify owns it, and a
-- verified name is unique. Pending claims expire (expires_at, 7 days after the claim or
-- the demotion); verified ones are re-checked daily (checked_at: the last time their TXT
-- record was seen). Hand-written; db/schema/brands.ts mirrors it.
DROP INDEX `hostnames_hostname_unique`;
--> statement-breakpoint
ALTER TABLE `hostnames` ADD `expires_at` integer;
--> statement-breakpoint
ALTER TABLE `hostnames` ADD `checked_at` integer;
--> statement-breakpoint
UPDATE `hostnames` SET `expires_at` = `created_at` + 604800000 WHERE `status` = 'pending';
--> statement-breakpoint
UPDATE `hostnames` SET `checked_at` = `verified_at` WHERE `status` = 'verified';
--> statement-breakpoint
CREATE UNIQUE INDEX `hostnames_claim_unique` ON `hostnames` (`hostname`,`reseller_account_id`);
--> statement-breakpoint
CREATE UNIQUE INDEX `hostnames_verified_unique` ON `hostnames` (`hostname`) WHERE `status` = 'verified';
--> statement-breakpoint
CREATE INDEX `hostnames_status_idx` ON `hostnames` (`status`,`checked_at`);
