-- What a plan does with each material: supplied inside its horizon, used by its production, moved between regions.
-- Derived from the plan's inputs, assignments and material flows (which the ledger covers), for summaries.
CREATE TABLE plan_material (
    plan_id     INTEGER NOT NULL REFERENCES plan (plan_id),
    material_id TEXT NOT NULL,
    supplied    REAL NOT NULL,
    used        REAL NOT NULL,
    moved       REAL NOT NULL,
    PRIMARY KEY (plan_id, material_id)
) WITHOUT ROWID;
CREATE TRIGGER plan_material_is_immutable BEFORE UPDATE ON plan_material BEGIN SELECT RAISE(ABORT, 'plans are immutable'); END;
CREATE TRIGGER plan_material_is_not_deleted BEFORE DELETE ON plan_material BEGIN SELECT RAISE(ABORT, 'plans are immutable'); END;
