-- The auditor's questions (issue 5): every plan that included a demand, and what a plan gave from a factory.
CREATE INDEX plan_outcome_by_demand ON plan_outcome (demand_id, plan_id);
CREATE INDEX plan_assignment_by_factory ON plan_assignment (plan_id, factory_id, production_date);
