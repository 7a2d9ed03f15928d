DROP INDEX domain_events_crn;
ALTER TABLE domain_events DROP COLUMN actor_org;
ALTER TABLE domain_events DROP COLUMN actor_sub;
DROP TABLE termination_reviews;
DROP TABLE termination_confirmations;
