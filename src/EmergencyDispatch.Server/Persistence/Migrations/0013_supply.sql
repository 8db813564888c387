-- Supply beyond factory capacity (MODEL.md stock lots and materials): the registry's new tables, where a plan's units
-- come from, and the material moves a plan needs.

-- Finished units held at a site (a factory, or a depot registered as a factory with no capabilities).
CREATE TABLE stock_lot (
    stock_id       TEXT PRIMARY KEY NOT NULL,
    factory_id     TEXT NOT NULL REFERENCES factory (factory_id),
    sku            TEXT NOT NULL REFERENCES product (sku),
    quantity       INTEGER NOT NULL CHECK (quantity > 0),
    available_date TEXT NOT NULL,
    unit_cost      REAL NOT NULL CHECK (unit_cost >= 0),
    updated_at     INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX stock_lot_by_factory ON stock_lot (factory_id, stock_id);
CREATE INDEX stock_lot_by_sku ON stock_lot (sku, stock_id);

CREATE TABLE material (
    material_id TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    unit        TEXT NOT NULL,
    updated_at  INTEGER NOT NULL
) WITHOUT ROWID;

-- Making one unit of sku consumes per_unit of the material.
CREATE TABLE bom (
    sku         TEXT NOT NULL REFERENCES product (sku),
    material_id TEXT NOT NULL REFERENCES material (material_id),
    per_unit    REAL NOT NULL CHECK (per_unit > 0),
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (sku, material_id)
) WITHOUT ROWID;
CREATE INDEX bom_by_material ON bom (material_id, sku);

-- Material arriving in a region on a date.
CREATE TABLE material_supply (
    material_id TEXT NOT NULL REFERENCES material (material_id),
    region      TEXT NOT NULL,
    date        TEXT NOT NULL,
    quantity    REAL NOT NULL CHECK (quantity > 0),
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (material_id, region, date)
) WITHOUT ROWID;

-- Where a plan's and a factory's units come from: 'capacity' or 'stock:<stock_id>' (assignments.csv's source).
ALTER TABLE plan_assignment ADD COLUMN source TEXT NOT NULL DEFAULT 'capacity';
ALTER TABLE assignment ADD COLUMN source TEXT NOT NULL DEFAULT 'capacity';
ALTER TABLE assignment_change ADD COLUMN source TEXT NOT NULL DEFAULT 'capacity';
CREATE INDEX assignment_by_source ON assignment (source) WHERE source <> 'capacity';

-- The material moves a plan needs, in material_flows.csv order (seq 0..n-1).
CREATE TABLE plan_material_flow (
    plan_id      INTEGER NOT NULL REFERENCES plan (plan_id),
    seq          INTEGER NOT NULL,
    material_id  TEXT NOT NULL,
    from_region  TEXT NOT NULL,
    to_region    TEXT NOT NULL,
    ship_date    TEXT NOT NULL,
    arrival_date TEXT NOT NULL,
    quantity     REAL NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (plan_id, seq)
) WITHOUT ROWID;
CREATE TRIGGER plan_material_flow_is_immutable BEFORE UPDATE ON plan_material_flow BEGIN SELECT RAISE(ABORT, 'plans are immutable'); END;
CREATE TRIGGER plan_material_flow_is_not_deleted BEFORE DELETE ON plan_material_flow BEGIN SELECT RAISE(ABORT, 'plans are immutable'); END;
