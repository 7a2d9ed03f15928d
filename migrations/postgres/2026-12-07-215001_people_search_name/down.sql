DROP INDEX people_org_date_of_birth;
DROP INDEX people_org_search_name;
ALTER TABLE people DROP COLUMN search_name;
