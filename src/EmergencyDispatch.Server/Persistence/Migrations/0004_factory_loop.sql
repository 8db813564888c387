-- The factory loop (issue 4): publishing plans, the factories' assignments, their acknowledgements and production
-- reports, rejections, and the change log that WatchAssignments streams.

-- Plans: who published them and when (status DRAFT -> ACTIVE -> SUPERSEDED), and what a re-plan was made from.
ALTER TABLE plan ADD COLUMN published_at INTEGER;
ALTER TABLE plan ADD COLUMN published_by TEXT;
ALTER TABLE plan ADD COLUMN frozen_days INTEGER NOT NULL DEFAULT 2;
-- The plan that was active when this one read its inputs (NULL: none), and the last assignment change it saw:
-- publishing a plan made before either changed would drop what factories said since.
ALTER TABLE plan ADD COLUMN baseline_plan_id INTEGER;
ALTER TABLE plan ADD COLUMN loop_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE plan ADD COLUMN commitment_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE plan ADD COLUMN exclusion_count INTEGER NOT NULL DEFAULT 0;
-- Units against the baseline plan (see ReplanChanges in planning.proto).
ALTER TABLE plan ADD COLUMN units_kept INTEGER NOT NULL DEFAULT 0;
ALTER TABLE plan ADD COLUMN units_moved INTEGER NOT NULL DEFAULT 0;
ALTER TABLE plan ADD COLUMN units_dropped INTEGER NOT NULL DEFAULT 0;
ALTER TABLE plan ADD COLUMN units_added INTEGER NOT NULL DEFAULT 0;
CREATE TRIGGER plan_replan_is_immutable BEFORE UPDATE OF
    frozen_days, baseline_plan_id, loop_version, commitment_count, exclusion_count, units_kept, units_moved,
    units_dropped, units_added ON plan
BEGIN
    SELECT RAISE(ABORT, 'plans are immutable');
END;
-- Published once: a plan's publication is not rewritten.
CREATE TRIGGER plan_publication_is_immutable BEFORE UPDATE OF published_at, published_by ON plan
WHEN OLD.published_at IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'plans are immutable');
END;
CREATE UNIQUE INDEX plan_single_active ON plan (status) WHERE status = 'ACTIVE';
CREATE INDEX plan_by_status ON plan (status, plan_id);

-- The accepted assignments a plan kept as commitments, with the units that were still to produce.
CREATE TABLE plan_commitment (
    plan_id       INTEGER NOT NULL REFERENCES plan (plan_id),
    assignment_id INTEGER NOT NULL,
    quantity      INTEGER NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (plan_id, assignment_id)
) WITHOUT ROWID;
CREATE TRIGGER plan_commitment_is_immutable BEFORE UPDATE ON plan_commitment BEGIN SELECT RAISE(ABORT, 'plans are immutable'); END;
CREATE TRIGGER plan_commitment_is_not_deleted BEFORE DELETE ON plan_commitment BEGIN SELECT RAISE(ABORT, 'plans are immutable'); END;

-- Units reported produced per demand (demand.status follows: OPEN, PARTIALLY_FULFILLED, FULFILLED).
ALTER TABLE demand ADD COLUMN produced INTEGER NOT NULL DEFAULT 0;

-- The factories' work: created when a plan is published, from its assignments (less the commitments it kept).
-- status: PENDING, ACCEPTED, REJECTED, DONE, WITHDRAWN. version is the assignment_change that left it in this state.
CREATE TABLE assignment (
    assignment_id   INTEGER PRIMARY KEY,
    plan_id         INTEGER NOT NULL REFERENCES plan (plan_id),
    factory_id      TEXT NOT NULL,
    demand_id       INTEGER NOT NULL,
    request_key     TEXT NOT NULL,
    sku             TEXT NOT NULL,
    production_date TEXT NOT NULL,
    arrival_date    TEXT NOT NULL,
    quantity        INTEGER NOT NULL CHECK (quantity > 0),
    produced        INTEGER NOT NULL DEFAULT 0 CHECK (produced >= 0 AND produced <= quantity),
    status          TEXT NOT NULL,
    reason          TEXT NOT NULL DEFAULT '',
    version         INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX assignment_by_factory ON assignment (factory_id, production_date, assignment_id);
CREATE INDEX assignment_live ON assignment (status, factory_id) WHERE status IN ('PENDING', 'ACCEPTED');

-- Every change of an assignment, with its state after the change: WatchAssignments replays it from any version.
CREATE TABLE assignment_change (
    version         INTEGER PRIMARY KEY,
    factory_id      TEXT NOT NULL,
    assignment_id   INTEGER NOT NULL,
    plan_id         INTEGER NOT NULL,
    demand_id       INTEGER NOT NULL,
    request_key     TEXT NOT NULL,
    sku             TEXT NOT NULL,
    production_date TEXT NOT NULL,
    arrival_date    TEXT NOT NULL,
    quantity        INTEGER NOT NULL,
    produced        INTEGER NOT NULL,
    status          TEXT NOT NULL,
    reason          TEXT NOT NULL,
    changed_at      INTEGER NOT NULL
);
CREATE INDEX assignment_change_by_factory ON assignment_change (factory_id, version);

-- Production reports, idempotent per factory on report_id.
CREATE TABLE production_report (
    factory_id    TEXT NOT NULL,
    report_id     TEXT NOT NULL,
    assignment_id INTEGER NOT NULL,
    date          TEXT NOT NULL,
    quantity      INTEGER NOT NULL CHECK (quantity > 0),
    reported_at   INTEGER NOT NULL,
    reported_by   TEXT NOT NULL,
    PRIMARY KEY (factory_id, report_id)
) WITHOUT ROWID;

-- Rejected (factory, demand) pairs; in force while cleared_at is NULL.
CREATE TABLE rejection (
    rejection_id  INTEGER PRIMARY KEY,
    factory_id    TEXT NOT NULL,
    demand_id     INTEGER NOT NULL,
    assignment_id INTEGER NOT NULL,
    reason        TEXT NOT NULL,
    rejected_at   INTEGER NOT NULL,
    rejected_by   TEXT NOT NULL,
    cleared_at    INTEGER,
    cleared_by    TEXT
);
CREATE INDEX rejection_in_force ON rejection (factory_id, demand_id) WHERE cleared_at IS NULL;
