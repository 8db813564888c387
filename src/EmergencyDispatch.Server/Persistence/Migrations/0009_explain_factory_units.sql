-- What each plan gave from each factory, in the form ExplainDemand reads (see Persistence/FactoryUnits.cs). Derived
-- data: written with the plan, in the same transaction, from its assignments and outcomes; not part of the plan's
-- ledger entry. ExplainDemand used to sum the covering index of plan_assignment in SQL, joining demand for each row's
-- priority (some 70,000 rows a call for a demand whose sku many factories make, read from every plan apart); it now
-- reads, for each binding factory, its row of every plan side by side (the key starts with the factory), and sums in
-- memory.
--
-- entries: one big-endian record per assignment of the plan from the factory, ordered by production date then demand:
-- production date as yyyymmdd (4 bytes), the demand's priority in the plan (4), demand_id (8), quantity (8), and the
-- request key's UTF-8 length (2) and bytes. The priority is plan_outcome's, the one the demand was planned with: the
-- same as demand.priority, which never changes.
CREATE TABLE plan_factory_units (
    factory_id TEXT NOT NULL,
    plan_id    INTEGER NOT NULL REFERENCES plan (plan_id),
    entries    BLOB NOT NULL,
    PRIMARY KEY (factory_id, plan_id)
) WITHOUT ROWID;

-- Plans stored before this migration: the same bytes the server writes.
INSERT INTO plan_factory_units (factory_id, plan_id, entries)
SELECT a.factory_id, a.plan_id,
       unhex(group_concat(
           printf('%08X%08X%016X%016X%04X', CAST(replace(a.production_date, '-', '') AS INTEGER), o.priority, a.demand_id,
                  a.quantity, octet_length(a.request_key)) || hex(a.request_key),
           '' ORDER BY a.production_date, a.demand_id))
FROM plan_assignment a INDEXED BY plan_assignment_by_factory
JOIN plan_outcome o INDEXED BY plan_outcome_by_demand ON o.demand_id = a.demand_id AND o.plan_id = a.plan_id
GROUP BY a.plan_id, a.factory_id;

CREATE TRIGGER plan_factory_units_is_immutable BEFORE UPDATE ON plan_factory_units BEGIN SELECT RAISE(ABORT, 'plans are immutable'); END;
CREATE TRIGGER plan_factory_units_is_not_deleted BEFORE DELETE ON plan_factory_units BEGIN SELECT RAISE(ABORT, 'plans are immutable'); END;
