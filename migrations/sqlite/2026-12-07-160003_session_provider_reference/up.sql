-- The provider's own id for a session, unique per provider (several sessions may have none).
ALTER TABLE appointments ADD COLUMN provider_reference TEXT;
CREATE UNIQUE INDEX appointments_provider_reference ON appointments (provider_org, provider_reference);
