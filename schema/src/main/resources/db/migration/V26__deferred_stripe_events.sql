-- A copy of a Stripe event rendered in another API version (while an endpoint is replaced,
-- Stripe sends each event to both endpoints, in any order) must never decide the event's fate.
-- When our reading cannot apply such a copy it is recorded 'deferred': not applied, and not
-- final, so the copy in our version claims the row again (ignored, like processed, is final).
ALTER TABLE stripe_webhook_events DROP CONSTRAINT stripe_webhook_events_status_check;
ALTER TABLE stripe_webhook_events ADD CONSTRAINT stripe_webhook_events_status_check
  CHECK (status IN ('received', 'processed', 'failed', 'ignored', 'deferred'));
