-- Capacity decisions (MODEL.md options): lines a factory can add, taken only when a plan uses them within its budget.
CREATE TABLE production_option (
    option_id     TEXT PRIMARY KEY NOT NULL,
    factory_id    TEXT NOT NULL REFERENCES factory (factory_id),
    sku           TEXT NOT NULL REFERENCES product (sku),
    units_per_day REAL NOT NULL CHECK (units_per_day > 0),
    unit_cost     REAL NOT NULL CHECK (unit_cost >= 0),
    ready_date    TEXT NOT NULL,
    ramp_days     INTEGER NOT NULL CHECK (ramp_days BETWEEN 0 AND 365),
    fixed_cost    REAL NOT NULL CHECK (fixed_cost >= 0),
    updated_at    INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX production_option_by_factory ON production_option (factory_id, option_id);
CREATE INDEX production_option_by_sku ON production_option (sku, option_id);
