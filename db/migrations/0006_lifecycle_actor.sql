-- Who suspended or deleted an account: the path of the account whose member
-- did it. Only that account, or one above it, may enable or restore it again
-- (rule 8), so a reseller cannot undo what its platform decided.
-- Hand-written; db/schema/accounts.ts mirrors it.

ALTER TABLE `accounts` ADD `disabled_by` text;
ALTER TABLE `accounts` ADD `deleted_by` text;
