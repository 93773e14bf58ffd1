-- "Powered by Trellis" under a portal's sign-in and invitation pages: on by default;
-- the platform turns it off per reseller (and for its own portal). Hand-written;
-- db/schema/accounts.ts mirrors it.
ALTER TABLE accounts ADD COLUMN powered_by integer DEFAULT 1 NOT NULL;
