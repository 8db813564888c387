-- API keys (issue 6). Only a SHA-256 of each key's secret is stored; the secret is shown once, when the key is made.

CREATE TABLE api_key (
    key_id     INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    role       TEXT NOT NULL CHECK (role IN ('admin', 'coordinator', 'factory', 'auditor')),
    factory_id TEXT REFERENCES factory (factory_id),
    secret_sha256 TEXT NOT NULL,   -- lowercase hex
    created_at INTEGER NOT NULL,   -- Unix milliseconds, UTC
    created_by TEXT NOT NULL,
    revoked_at INTEGER,
    CHECK ((role = 'factory') = (factory_id IS NOT NULL))
);
