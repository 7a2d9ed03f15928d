-- The person's name folded for search (lower case, accents removed, letters and digits only),
-- computed by rarlink when the person is written; NULL until rarlink backfills existing rows at
-- startup, after migrating.
ALTER TABLE people ADD COLUMN search_name TEXT;
CREATE INDEX people_org_search_name ON people (managing_org, search_name);
CREATE INDEX people_org_date_of_birth ON people (managing_org, date_of_birth);
