-- Each natural person's own key for the personal fields sealed on the log (crypto-shredding).
-- One shared vault, reached only through eventlog/privacy: erasing a person is one row here, whichever
-- service wrote or reads the fields. An erased row stays, key NULL, so no key is ever made for that person again.
CREATE SCHEMA IF NOT EXISTS privacy;
CREATE TABLE IF NOT EXISTS privacy.person_keys (
    person_id  text PRIMARY KEY,
    purpose    text NOT NULL,
    campaign   text NOT NULL,
    key        bytea CHECK (key IS NULL OR length(key) = 32),
    created_at timestamptz NOT NULL,
    erased_at  timestamptz,
    erased_why text,
    CHECK ((key IS NULL) = (erased_at IS NOT NULL))
);
CREATE INDEX IF NOT EXISTS person_keys_live ON privacy.person_keys (campaign, purpose) WHERE key IS NOT NULL;
