DROP INDEX webhook_subscriptions_org;
ALTER TABLE webhook_deliveries DROP COLUMN last_duration_ms;
ALTER TABLE webhook_subscriptions DROP COLUMN failing_since;
ALTER TABLE webhook_subscriptions DROP COLUMN previous_secret_expires_at;
ALTER TABLE webhook_subscriptions DROP COLUMN previous_secret;
