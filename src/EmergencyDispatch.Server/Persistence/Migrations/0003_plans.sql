-- Stored plans (issue 3). A plan is written once, in one transaction, and never changed: the triggers below refuse
-- updates of anything but plan.status (the next issue publishes plans) and every delete.
-- Timestamps are Unix milliseconds (UTC); dates are 'yyyy-MM-dd' text.

CREATE TABLE plan (
    plan_id             INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused, so an id names one plan forever
    status              TEXT NOT NULL,                      -- DRAFT
    created_at          INTEGER NOT NULL,
    created_by          TEXT NOT NULL,
    start_date          TEXT NOT NULL,
    horizon_days        INTEGER NOT NULL CHECK (horizon_days BETWEEN 1 AND 90),
    planner             TEXT NOT NULL,                      -- LP or GREEDY
    time_limit_ms       INTEGER NOT NULL CHECK (time_limit_ms > 0),
    completion          TEXT NOT NULL,                      -- COMPLETE or TIME_LIMIT
    last_completed_step TEXT,                               -- a step name; NULL when no step completed
    assignment_count    INTEGER NOT NULL,
    demand_count        INTEGER NOT NULL,
    assignments_sha256  TEXT NOT NULL,                      -- lowercase hex of the assignments.csv bytes
    inputs_json         TEXT NOT NULL                       -- the exact planning input, canonical JSON (PlanInputJson)
);

-- The value of every objective step, in MODEL.md order (seq 0..13).
CREATE TABLE plan_step (
    plan_id INTEGER NOT NULL REFERENCES plan (plan_id),
    seq     INTEGER NOT NULL,
    step    TEXT NOT NULL,
    value   REAL NOT NULL,
    seconds REAL NOT NULL,
    PRIMARY KEY (plan_id, seq)
) WITHOUT ROWID;

-- What the plan gives each priority tier (1 CRITICAL .. 4 LOW).
CREATE TABLE plan_priority (
    plan_id             INTEGER NOT NULL REFERENCES plan (plan_id),
    priority            INTEGER NOT NULL CHECK (priority BETWEEN 1 AND 4),
    demands             INTEGER NOT NULL,
    servable_demands    INTEGER NOT NULL,
    quantity            INTEGER NOT NULL,
    on_time             INTEGER NOT NULL,
    late                INTEGER NOT NULL,
    unmet               INTEGER NOT NULL,
    smallest_fill_ratio REAL NOT NULL,
    PRIMARY KEY (plan_id, priority)
) WITHOUT ROWID;

-- Assignments in assignments.csv order (seq 0..n-1). request_key is the demand's key in the plan's files.
CREATE TABLE plan_assignment (
    plan_id         INTEGER NOT NULL REFERENCES plan (plan_id),
    seq             INTEGER NOT NULL,
    factory_id      TEXT NOT NULL,
    demand_id       INTEGER NOT NULL,
    request_key     TEXT NOT NULL,
    sku             TEXT NOT NULL,
    production_date TEXT NOT NULL,
    arrival_date    TEXT NOT NULL,
    quantity        INTEGER NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (plan_id, seq)
) WITHOUT ROWID;

-- Every planned demand's outcome in outcomes.csv order (seq 0..n-1). reason is empty, NO_CAPABLE_FACTORY,
-- NO_ON_TIME_ROUTE or CAPACITY_SHORTAGE; binding lists the binding factories separated by ';' (may be empty).
CREATE TABLE plan_outcome (
    plan_id     INTEGER NOT NULL REFERENCES plan (plan_id),
    seq         INTEGER NOT NULL,
    demand_id   INTEGER NOT NULL,
    request_key TEXT NOT NULL,
    priority    INTEGER NOT NULL CHECK (priority BETWEEN 1 AND 4),
    quantity    INTEGER NOT NULL,
    on_time     INTEGER NOT NULL,
    late        INTEGER NOT NULL,
    unmet       INTEGER NOT NULL,
    reason      TEXT NOT NULL,
    binding     TEXT NOT NULL,
    PRIMARY KEY (plan_id, seq)
) WITHOUT ROWID;

CREATE TRIGGER plan_is_immutable BEFORE UPDATE OF
    plan_id, created_at, created_by, start_date, horizon_days, planner, time_limit_ms, completion, last_completed_step,
    assignment_count, demand_count, assignments_sha256, inputs_json ON plan
BEGIN
    SELECT RAISE(ABORT, 'plans are immutable');
END;
CREATE TRIGGER plan_is_not_deleted BEFORE DELETE ON plan BEGIN SELECT RAISE(ABORT, 'plans are immutable'); END;
CREATE TRIGGER plan_step_is_immutable BEFORE UPDATE ON plan_step BEGIN SELECT RAISE(ABORT, 'plans are immutable'); END;
CREATE TRIGGER plan_step_is_not_deleted BEFORE DELETE ON plan_step BEGIN SELECT RAISE(ABORT, 'plans are immutable'); END;
CREATE TRIGGER plan_priority_is_immutable BEFORE UPDATE ON plan_priority BEGIN SELECT RAISE(ABORT, 'plans are immutable'); END;
CREATE TRIGGER plan_priority_is_not_deleted BEFORE DELETE ON plan_priority BEGIN SELECT RAISE(ABORT, 'plans are immutable'); END;
CREATE TRIGGER plan_assignment_is_immutable BEFORE UPDATE ON plan_assignment BEGIN SELECT RAISE(ABORT, 'plans are immutable'); END;
CREATE TRIGGER plan_assignment_is_not_deleted BEFORE DELETE ON plan_assignment BEGIN SELECT RAISE(ABORT, 'plans are immutable'); END;
CREATE TRIGGER plan_outcome_is_immutable BEFORE UPDATE ON plan_outcome BEGIN SELECT RAISE(ABORT, 'plans are immutable'); END;
CREATE TRIGGER plan_outcome_is_not_deleted BEFORE DELETE ON plan_outcome BEGIN SELECT RAISE(ABORT, 'plans are immutable'); END;
