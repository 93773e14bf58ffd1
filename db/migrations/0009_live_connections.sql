-- Live sockets (rule 15): one row per open live activity WebSocket, naming the
-- rights that opened it, so sign-out, the end of an impersonation, removal,
-- role changes and disable/delete can find and close exactly the sockets that
-- depended on them. The log object deletes its row when the socket closes and
-- sweeps rows whose socket is gone. Hand-written; db/schema/live-connections.ts mirrors it.
-- No foreign keys to sessions or memberships on purpose: a row must outlive the
-- session or membership it names, so the hook that deleted them can still find it.
CREATE TABLE `live_connections` (
  `id` text PRIMARY KEY NOT NULL,
  `session_id` text NOT NULL,
  -- The login behind the session (the impersonator while impersonating).
  `user_id` text NOT NULL,
  `impersonation_id` text,
  -- The membership through which the socket reaches the account, and its account's path.
  `membership_id` text NOT NULL,
  `member_path` text NOT NULL,
  -- The account whose log the socket is on (purging the account purges its rows).
  `account_id` text NOT NULL REFERENCES `accounts`(`id`) ON DELETE CASCADE,
  `account_path` text NOT NULL,
  `opened_at` integer NOT NULL
);
CREATE INDEX `live_connections_session_idx` ON `live_connections` (`session_id`);
CREATE INDEX `live_connections_user_idx` ON `live_connections` (`user_id`);
CREATE INDEX `live_connections_membership_idx` ON `live_connections` (`membership_id`);
CREATE INDEX `live_connections_member_path_idx` ON `live_connections` (`member_path`);
CREATE INDEX `live_connections_account_idx` ON `live_connections` (`account_id`);
