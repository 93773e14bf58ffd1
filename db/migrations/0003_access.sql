-- Issue 5: invitations, the email outbox, impersonation, member notifications,
-- and the account a login used last. Hand-written; db/schema/*.ts mirrors it.

CREATE TABLE `invitations` (
  `id` text PRIMARY KEY NOT NULL,
  `account_id` text NOT NULL REFERENCES `accounts`(`id`) ON DELETE CASCADE,
  `kind` text NOT NULL,
  `email` text NOT NULL,
  `level` text,
  `role_ids` text DEFAULT '[]' NOT NULL,
  `scope` text DEFAULT '{"mode":"none"}' NOT NULL,
  `suggested_name` text,
  `token_hash` text NOT NULL,
  `invited_by` text REFERENCES `users`(`id`) ON DELETE SET NULL,
  `status` text DEFAULT 'pending' NOT NULL,
  `expires_at` integer NOT NULL,
  `created_at` integer NOT NULL,
  `accepted_at` integer,
  `accepted_by` text REFERENCES `users`(`id`) ON DELETE SET NULL,
  `created_account_id` text REFERENCES `accounts`(`id`) ON DELETE SET NULL
);
CREATE UNIQUE INDEX `invitations_token_idx` ON `invitations` (`token_hash`);
CREATE INDEX `invitations_account_idx` ON `invitations` (`account_id`, `created_at`);
-- One pending invitation per email and kind in an account.
CREATE UNIQUE INDEX `invitations_pending_idx` ON `invitations` (`account_id`, `kind`, `email`) WHERE `status` = 'pending';

CREATE TABLE `email_outbox` (
  `id` text PRIMARY KEY NOT NULL,
  `to` text NOT NULL,
  `subject` text NOT NULL,
  `text` text NOT NULL,
  `html` text NOT NULL,
  `created_at` integer NOT NULL
);
CREATE INDEX `email_outbox_created_idx` ON `email_outbox` (`created_at`);

CREATE TABLE `impersonations` (
  `id` text PRIMARY KEY NOT NULL,
  `session_id` text NOT NULL,
  `impersonator_id` text NOT NULL REFERENCES `users`(`id`) ON DELETE CASCADE,
  `target_user_id` text NOT NULL REFERENCES `users`(`id`) ON DELETE CASCADE,
  `account_id` text NOT NULL REFERENCES `accounts`(`id`) ON DELETE CASCADE,
  `reason` text NOT NULL,
  `started_at` integer NOT NULL,
  `expires_at` integer NOT NULL,
  `ended_at` integer,
  `end_reason` text
);
CREATE INDEX `impersonations_target_idx` ON `impersonations` (`target_user_id`, `started_at`);
CREATE INDEX `impersonations_session_idx` ON `impersonations` (`session_id`);

ALTER TABLE `sessions` ADD `impersonation_id` text;
ALTER TABLE `users` ADD `last_account_id` text;
-- A customer's choice for all its services: partner access on (1) or off (0, the default).
ALTER TABLE `accounts` ADD `partner_access_default` integer DEFAULT false NOT NULL;

CREATE TABLE `notification_subscriptions` (
  `membership_id` text NOT NULL REFERENCES `memberships`(`id`) ON DELETE CASCADE,
  `account_id` text NOT NULL REFERENCES `accounts`(`id`) ON DELETE CASCADE,
  `type` text NOT NULL,
  PRIMARY KEY (`membership_id`, `type`)
);
CREATE INDEX `notification_subscriptions_account_idx` ON `notification_subscriptions` (`account_id`, `type`);
