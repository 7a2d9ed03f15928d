DROP INDEX appointments_provider_reference;
ALTER TABLE appointments DROP COLUMN provider_reference;
