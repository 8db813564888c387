-- The registry (MODEL.md inputs) and demand intake.
-- Timestamps are Unix milliseconds (UTC); dates are 'yyyy-MM-dd' text, which sorts in date order.

CREATE TABLE product (
    sku        TEXT PRIMARY KEY NOT NULL,
    name       TEXT NOT NULL,
    unit       TEXT NOT NULL,
    updated_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE factory (
    factory_id TEXT PRIMARY KEY NOT NULL,
    name       TEXT NOT NULL,
    region     TEXT NOT NULL,
    updated_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX factory_by_region ON factory (region, factory_id);

CREATE TABLE capability (
    factory_id    TEXT NOT NULL REFERENCES factory (factory_id),
    sku           TEXT NOT NULL REFERENCES product (sku),
    units_per_day REAL NOT NULL CHECK (units_per_day > 0),
    unit_cost     REAL NOT NULL CHECK (unit_cost >= 0),
    updated_at    INTEGER NOT NULL,
    PRIMARY KEY (factory_id, sku)
) WITHOUT ROWID;
CREATE INDEX capability_by_sku ON capability (sku, factory_id);

CREATE TABLE availability (
    factory_id TEXT NOT NULL REFERENCES factory (factory_id),
    date       TEXT NOT NULL,
    factor     REAL NOT NULL CHECK (factor >= 0),
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (factory_id, date)
) WITHOUT ROWID;

CREATE TABLE lane (
    from_region TEXT NOT NULL,
    to_region   TEXT NOT NULL,
    lead_days   INTEGER NOT NULL CHECK (lead_days >= 0),
    unit_cost   REAL NOT NULL CHECK (unit_cost >= 0),
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (from_region, to_region)
) WITHOUT ROWID;
CREATE INDEX lane_by_to_region ON lane (to_region, from_region);

CREATE TABLE demand (
    demand_id     INTEGER PRIMARY KEY,
    submitter     TEXT NOT NULL,
    request_id    TEXT NOT NULL,
    sku           TEXT NOT NULL REFERENCES product (sku),
    quantity      INTEGER NOT NULL CHECK (quantity > 0),
    region        TEXT NOT NULL,
    due_date      TEXT NOT NULL,
    priority      INTEGER NOT NULL CHECK (priority BETWEEN 1 AND 4),
    status        TEXT NOT NULL,
    submitted_at  INTEGER NOT NULL,
    cancelled_at  INTEGER,
    cancel_reason TEXT,
    UNIQUE (submitter, request_id)
);
CREATE INDEX demand_by_status ON demand (status, demand_id);
CREATE INDEX demand_by_region ON demand (region, demand_id);
CREATE INDEX demand_by_sku ON demand (sku, demand_id);
