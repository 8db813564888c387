-- Capacity decisions in plans and in the factory loop (MODEL.md options; issue 13).

-- The most a plan may spend on the fixed costs of the options it takes (its request's option_budget). Plans stored
-- before options existed had none: 0. Covered by the ledger from plan format 4 on.
ALTER TABLE plan ADD COLUMN option_budget REAL NOT NULL DEFAULT 0;
CREATE TRIGGER plan_option_budget_is_immutable BEFORE UPDATE OF option_budget ON plan
BEGIN
    SELECT RAISE(ABORT, 'plans are immutable');
END;

-- What a plan does with each option of its inputs, derived from its inputs and assignments (which the ledger covers),
-- for summaries and explanations. state: TAKEN, NOT_TAKEN, COMMITTED (accepted by its factory before the plan: taken,
-- its cost sunk), REJECTED (its factory refused it: not available), OVER_BUDGET (its fixed cost alone exceeds the
-- budget: not available). units_p1..p4: the plan's units on the line for demands of priority 1 (CRITICAL) .. 4 (LOW).
CREATE TABLE plan_option (
    plan_id    INTEGER NOT NULL REFERENCES plan (plan_id),
    option_id  TEXT NOT NULL,
    factory_id TEXT NOT NULL,
    sku        TEXT NOT NULL,
    fixed_cost REAL NOT NULL,
    ready_date TEXT NOT NULL,
    state      TEXT NOT NULL,
    units      INTEGER NOT NULL,
    first_date TEXT,
    demands    INTEGER NOT NULL,
    units_p1   INTEGER NOT NULL,
    units_p2   INTEGER NOT NULL,
    units_p3   INTEGER NOT NULL,
    units_p4   INTEGER NOT NULL,
    PRIMARY KEY (plan_id, option_id)
) WITHOUT ROWID;
CREATE TRIGGER plan_option_is_immutable BEFORE UPDATE ON plan_option BEGIN SELECT RAISE(ABORT, 'plans are immutable'); END;
CREATE TRIGGER plan_option_is_not_deleted BEFORE DELETE ON plan_option BEGIN SELECT RAISE(ABORT, 'plans are immutable'); END;

-- Option orders: a published plan that takes an option its factory has not accepted yet asks the factory to set the
-- line up. status: PENDING, ACCEPTED (the option is committed: later plans take it, its cost sunk), REJECTED (later
-- plans do not use it until a coordinator clears the rejection: cleared_at), WITHDRAWN (a later plan did not take it).
-- version shares the sequence of assignment_change: one watch stream carries both kinds of work.
CREATE TABLE option_order (
    order_id   INTEGER PRIMARY KEY,
    plan_id    INTEGER NOT NULL REFERENCES plan (plan_id),
    factory_id TEXT NOT NULL,
    option_id  TEXT NOT NULL,
    sku        TEXT NOT NULL,
    units      INTEGER NOT NULL,
    first_date TEXT NOT NULL,
    fixed_cost REAL NOT NULL,
    status     TEXT NOT NULL,
    reason     TEXT NOT NULL DEFAULT '',
    version    INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    decided_by TEXT,
    cleared_at INTEGER,
    cleared_by TEXT
);
CREATE INDEX option_order_by_factory ON option_order (factory_id, order_id);
CREATE INDEX option_order_live ON option_order (status, option_id);
-- At most one order of an option is pending or accepted at a time.
CREATE UNIQUE INDEX option_order_single_live ON option_order (option_id) WHERE status IN ('PENDING', 'ACCEPTED');

CREATE TABLE option_order_change (
    version    INTEGER PRIMARY KEY,
    factory_id TEXT NOT NULL,
    order_id   INTEGER NOT NULL,
    plan_id    INTEGER NOT NULL,
    option_id  TEXT NOT NULL,
    sku        TEXT NOT NULL,
    units      INTEGER NOT NULL,
    first_date TEXT NOT NULL,
    fixed_cost REAL NOT NULL,
    status     TEXT NOT NULL,
    reason     TEXT NOT NULL,
    changed_at INTEGER NOT NULL
);
CREATE INDEX option_order_change_by_factory ON option_order_change (factory_id, version);
