-- The failed-provisioning limit counted refunded attempts: with NUMBER_PRICE_PENCE 0 nothing is
-- refunded, so a tenant could fail without end, and a failure of the platform (a provider 5xx,
-- our own outage) counted against the tenant. It now counts failed attempts the tenant's own
-- request caused (Twilio refused what it asked for, no number matched its search), by when they
-- failed.
ALTER TABLE managed_phone_numbers ADD COLUMN failed_at timestamptz;
ALTER TABLE managed_phone_numbers ADD COLUMN failure_caused_by_request boolean NOT NULL DEFAULT false;
CREATE INDEX managed_numbers_failures_caused_by_request
  ON managed_phone_numbers (org_id, failed_at) WHERE failure_caused_by_request;
