-- The auditor's ledger (issue 5): every write the service accepted, and every stored plan and event chained by
-- SHA-256 (see Persistence/Ledger.cs for the canonical bytes of each entry).

CREATE TABLE event (
    event_id INTEGER PRIMARY KEY,
    at       INTEGER NOT NULL,   -- Unix milliseconds, UTC
    actor    TEXT NOT NULL,      -- the authenticated caller, or "seed" at start-up
    rpc      TEXT NOT NULL,      -- Service/Method
    objects  TEXT NOT NULL       -- what it wrote, e.g. "demand 12-15 (4)"
);
CREATE INDEX event_by_rpc ON event (rpc, event_id);
CREATE INDEX event_by_actor ON event (actor, event_id);

-- seq 1, 2, 3 ...; hash = SHA-256(previous hash as lowercase hex, '\n', the entry's canonical bytes).
CREATE TABLE ledger (
    seq    INTEGER PRIMARY KEY,
    kind   TEXT NOT NULL CHECK (kind IN ('plan', 'event')),
    ref_id INTEGER NOT NULL,
    hash   TEXT NOT NULL
);
CREATE UNIQUE INDEX ledger_by_ref ON ledger (kind, ref_id);

CREATE TRIGGER event_is_immutable BEFORE UPDATE ON event BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
CREATE TRIGGER event_is_not_deleted BEFORE DELETE ON event BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
CREATE TRIGGER ledger_is_immutable BEFORE UPDATE ON ledger BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
CREATE TRIGGER ledger_is_not_deleted BEFORE DELETE ON ledger BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
