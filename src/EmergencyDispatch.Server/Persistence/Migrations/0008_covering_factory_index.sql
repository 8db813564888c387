-- ExplainDemand sums what a plan gave from a few factories: the index holds every column it reads, so no row of
-- plan_assignment is looked up by its key (a demand whose sku many factories make touched 100,000s of rows).
DROP INDEX plan_assignment_by_factory;
CREATE INDEX plan_assignment_by_factory ON plan_assignment (plan_id, factory_id, production_date, demand_id, quantity, request_key);
