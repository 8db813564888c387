-- A production report keeps the result it answered with, so that the same report again returns the same result:
-- the assignment as the report left it (the assignment_change the report made, by version) and the demand's status
-- and units produced just after it.
ALTER TABLE production_report ADD COLUMN version INTEGER;
ALTER TABLE production_report ADD COLUMN demand_status TEXT;
ALTER TABLE production_report ADD COLUMN demand_produced INTEGER;

-- Reports stored before: the change a report made is its assignment's change committed at the report's time (the
-- same clock reading stamps both); of two reports of one assignment in the same millisecond, each gets the later.
UPDATE production_report SET version = (
    SELECT MAX(c.version) FROM assignment_change c
    WHERE c.assignment_id = production_report.assignment_id AND c.factory_id = production_report.factory_id
      AND c.changed_at = production_report.reported_at);

-- The demand just after it: the units of the demand's reports up to this one's change, and the status the report
-- set from them (a demand cancelled by then stayed CANCELLED).
UPDATE production_report SET
    demand_produced = (
        SELECT SUM(r.quantity) FROM production_report r
        JOIN assignment ra ON ra.assignment_id = r.assignment_id
        JOIN assignment a ON a.assignment_id = production_report.assignment_id
        WHERE ra.demand_id = a.demand_id AND r.version <= production_report.version)
WHERE version IS NOT NULL;

UPDATE production_report SET
    demand_status = (
        SELECT CASE WHEN d.cancelled_at IS NOT NULL AND d.cancelled_at <= production_report.reported_at THEN 'CANCELLED'
                    WHEN production_report.demand_produced >= d.quantity THEN 'FULFILLED'
                    ELSE 'PARTIALLY_FULFILLED' END
        FROM assignment a JOIN demand d ON d.demand_id = a.demand_id
        WHERE a.assignment_id = production_report.assignment_id)
WHERE demand_produced IS NOT NULL;
