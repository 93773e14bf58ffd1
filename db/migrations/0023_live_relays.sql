-- Live sockets of a busy log are held by relay Durable Objects (docs/decisions/029): each row
-- names the relay that holds its socket (NULL: the log object itself), so a close or an inbox
-- push goes straight to that holder and each holder's backstop check reads only its own rows.
-- Hand-written; db/schema/live-connections.ts mirrors it.
ALTER TABLE `live_connections` ADD `relay` integer;
--> statement-breakpoint
DROP INDEX `live_connections_account_idx`;
--> statement-breakpoint
CREATE INDEX `live_connections_holder_idx` ON `live_connections` (`account_id`, `relay`);
