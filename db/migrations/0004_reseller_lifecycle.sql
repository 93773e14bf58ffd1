-- Reseller management (issue 6): templates of limits and access, each
-- reseller's own limits and access, and the lifecycle (disable with a reason,
-- soft delete with a purge window). Hand-written; db/schema/accounts.ts and
-- db/schema/reseller-templates.ts mirror it.

CREATE TABLE `reseller_templates` (
  `id` text PRIMARY KEY NOT NULL,
  `account_id` text NOT NULL REFERENCES `accounts`(`id`) ON DELETE CASCADE,
  `name` text NOT NULL,
  -- JSON {"max_customers":10,"max_staff":null,"max_admins":3,"max_services":{"hosting":5}}; null = unlimited.
  `limits` text DEFAULT '{}' NOT NULL,
  -- JSON array of section keys the reseller's tree may use; NULL = every section.
  `access` text,
  `created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
  `updated_at` integer DEFAULT (unixepoch() * 1000) NOT NULL
);
CREATE UNIQUE INDEX `reseller_templates_account_name_idx` ON `reseller_templates` (`account_id`, `name`);

-- Limits and access live on the reseller's own row (NULL on other accounts = none).
ALTER TABLE `accounts` ADD `limits` text;
ALTER TABLE `accounts` ADD `access` text;
-- The template a reseller was created from (kept for display; the values were copied).
ALTER TABLE `accounts` ADD `template_id` text;
-- Why the account is disabled, and whether its people may read the reason at sign-in.
ALTER TABLE `accounts` ADD `status_reason` text;
ALTER TABLE `accounts` ADD `show_reason` integer DEFAULT false NOT NULL;
ALTER TABLE `accounts` ADD `disabled_at` integer;
ALTER TABLE `accounts` ADD `deleted_at` integer;
-- A deleted account's subtree is purged by the scheduled job after this time.
ALTER TABLE `accounts` ADD `purge_after` integer;
CREATE INDEX `accounts_purge_idx` ON `accounts` (`purge_after`) WHERE `purge_after` IS NOT NULL;
