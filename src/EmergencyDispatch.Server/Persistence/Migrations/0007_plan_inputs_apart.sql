-- A plan's inputs JSON (megabytes at national size) moves out of the plan row: columns added after it by ALTER TABLE
-- (publication, re-plan figures) made every read of a plan row walk the JSON's overflow pages. ListPlans was 3–5× slower.
CREATE TABLE plan_input (
    plan_id     INTEGER PRIMARY KEY REFERENCES plan (plan_id),
    inputs_json TEXT NOT NULL
);
INSERT INTO plan_input (plan_id, inputs_json) SELECT plan_id, inputs_json FROM plan;
DROP TRIGGER plan_is_immutable;
ALTER TABLE plan DROP COLUMN inputs_json;
CREATE TRIGGER plan_is_immutable BEFORE UPDATE OF
    plan_id, created_at, created_by, start_date, horizon_days, planner, time_limit_ms, completion, last_completed_step,
    assignment_count, demand_count, assignments_sha256 ON plan
BEGIN
    SELECT RAISE(ABORT, 'plans are immutable');
END;
CREATE TRIGGER plan_input_is_immutable BEFORE UPDATE ON plan_input BEGIN SELECT RAISE(ABORT, 'plans are immutable'); END;
CREATE TRIGGER plan_input_is_not_deleted BEFORE DELETE ON plan_input BEGIN SELECT RAISE(ABORT, 'plans are immutable'); END;
