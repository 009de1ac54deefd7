-- Stripe does not deliver events in order: a charge.refunded can arrive before the top-up it
-- refunds was credited (its session event failed and is still being retried). Such a refund
-- is recorded and applied when the credit lands; this finds it by PaymentIntent.
CREATE INDEX stripe_webhook_events_refunds_by_payment_intent
  ON stripe_webhook_events ((payload #>> '{data,object,payment_intent}'))
  WHERE event_type = 'charge.refunded';
