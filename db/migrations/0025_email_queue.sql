-- Mail the email provider could not take when it was sent (outage, timeout, rate limit) waits
-- here instead of failing the request that sent it; the 5-minute cron retries it with a growing
-- delay for 24 hours. `message` is the message as JSON, sealed with AES-GCM (it holds live
-- links). Hand-written; db/schema/invitations.ts mirrors it.
CREATE TABLE `email_queue` (
	`id` text PRIMARY KEY NOT NULL,
	`message` text NOT NULL,
	`attempts` integer NOT NULL,
	`last_error` text,
	`created_at` integer NOT NULL,
	`next_attempt_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `email_queue_due_idx` ON `email_queue` (`next_attempt_at`);
