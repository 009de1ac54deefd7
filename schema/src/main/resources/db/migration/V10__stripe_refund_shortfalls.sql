-- A Stripe refund of a top-up whose money the wallet no longer holds (it was spent on a
-- number). The wallet may not go below zero, so the part it cannot cover is recorded here
-- instead of failing the webhook forever; finance settles it by hand. What was debited plus
-- what fell short is what has been accounted for, so a later refund event debits only the
-- amount refunded since.
CREATE TABLE stripe_refund_shortfalls (
  id                        uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id                    uuid NOT NULL REFERENCES organizations (id),
  stripe_payment_intent_id  text NOT NULL,
  stripe_charge_id          text NOT NULL,
  stripe_event_id           text NOT NULL,
  refunded_pence            bigint NOT NULL CHECK (refunded_pence > 0),
  debited_pence             bigint NOT NULL CHECK (debited_pence >= 0),
  shortfall_pence           bigint NOT NULL CHECK (shortfall_pence > 0),
  created_at                timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT shortfall_is_the_uncovered_part CHECK (refunded_pence = debited_pence + shortfall_pence)
);
CREATE INDEX stripe_refund_shortfalls_by_payment_intent ON stripe_refund_shortfalls (stripe_payment_intent_id);

-- Refunds find the top-up they undo, and what was already debited for it, by PaymentIntent.
CREATE INDEX credit_transactions_by_payment_intent
  ON credit_transactions (stripe_payment_intent_id) WHERE stripe_payment_intent_id IS NOT NULL;
