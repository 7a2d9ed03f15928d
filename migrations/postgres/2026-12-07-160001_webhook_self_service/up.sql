-- Webhook self-service: a rotated secret stays valid for an overlap, a subscription that keeps
-- failing is disabled, and each attempt's duration is logged (never the receiver's error text).
ALTER TABLE webhook_subscriptions ADD COLUMN previous_secret TEXT;
ALTER TABLE webhook_subscriptions ADD COLUMN previous_secret_expires_at TIMESTAMP;
ALTER TABLE webhook_subscriptions ADD COLUMN failing_since TIMESTAMP;
ALTER TABLE webhook_deliveries ADD COLUMN last_duration_ms INTEGER;
CREATE INDEX webhook_subscriptions_org ON webhook_subscriptions (org, id);
