-- English and French (docs/decisions/034): the language a person chose for themselves, and the
-- language a portal's brand shows people who have not chosen one. NULL = no choice (fall back).
ALTER TABLE users ADD COLUMN locale TEXT CHECK (locale IN ('en', 'fr'));
ALTER TABLE brands ADD COLUMN default_locale TEXT CHECK (default_locale IN ('en', 'fr'));
