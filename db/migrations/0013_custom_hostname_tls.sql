-- TLS for resellers' hostnames through Cloudflare for SaaS (docs/decisions/007): a verified
-- hostname is added to the zone as a custom hostname (edge_id, Cloudflare's id) and its
-- certificate is followed (tls_status: none | queued | pending | active | failed, with
-- tls_detail and tls_checked_at). A custom hostname that loses its row (the claim is
-- removed, expires or is demoted) is queued in edge_cleanup by triggers, in the same write,
-- so it is removed at Cloudflare even when Cloudflare cannot be reached at that moment.
-- Hand-written; db/schema/brands.ts mirrors it.
ALTER TABLE `hostnames` ADD `edge_id` text;
--> statement-breakpoint
ALTER TABLE `hostnames` ADD `tls_status` text DEFAULT 'none' NOT NULL;
--> statement-breakpoint
ALTER TABLE `hostnames` ADD `tls_detail` text;
--> statement-breakpoint
ALTER TABLE `hostnames` ADD `tls_checked_at` integer;
--> statement-breakpoint
CREATE INDEX `hostnames_tls_idx` ON `hostnames` (`tls_status`,`tls_checked_at`);
--> statement-breakpoint
CREATE TABLE `edge_cleanup` (
	`edge_id` text PRIMARY KEY NOT NULL,
	`hostname` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TRIGGER `hostnames_edge_deleted` AFTER DELETE ON `hostnames` WHEN OLD.`edge_id` IS NOT NULL
BEGIN
	INSERT OR IGNORE INTO `edge_cleanup` (`edge_id`, `hostname`, `created_at`) VALUES (OLD.`edge_id`, OLD.`hostname`, unixepoch() * 1000);
END;
--> statement-breakpoint
CREATE TRIGGER `hostnames_edge_released` AFTER UPDATE OF `edge_id` ON `hostnames` WHEN OLD.`edge_id` IS NOT NULL AND NEW.`edge_id` IS NOT OLD.`edge_id`
BEGIN
	INSERT OR IGNORE INTO `edge_cleanup` (`edge_id`, `hostname`, `created_at`) VALUES (OLD.`edge_id`, OLD.`hostname`, unixepoch() * 1000);
END;
