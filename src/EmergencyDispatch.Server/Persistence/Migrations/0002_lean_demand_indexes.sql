-- Intake speed matters more than filtered listing: every secondary index of demand costs each stored line a
-- b-tree insert (dropping these three doubled SubmitDemands throughput). Listing walks demand_id order and stops
-- when a page is full.
DROP INDEX IF EXISTS demand_by_status;
DROP INDEX IF EXISTS demand_by_region;
DROP INDEX IF EXISTS demand_by_sku;
DROP INDEX IF EXISTS demand_by_request;
