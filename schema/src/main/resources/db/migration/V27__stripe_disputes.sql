-- Disputes (chargebacks) of top-up payments. While a dispute is open the bank takes the
-- disputed amount back (charge.dispute.funds_withdrawn); a dispute that is won returns it
-- (charge.dispute.funds_reinstated). The wallet gives back what the payment credited, never
-- more, once per dispute: what it cannot cover is the dispute's shortfall, as with refunds.
--
-- Stripe delivers in no particular order, so each row holds what its events said (the facts)
-- apart from what was applied to the wallet: a withdrawal or reinstatement reported before
-- the top-up was credited is applied when the credit lands, and a reinstatement reported
-- before its withdrawal cancels it.
ALTER TABLE credit_transactions DROP CONSTRAINT credit_transactions_type_check;
ALTER TABLE credit_transactions ADD CONSTRAINT credit_transactions_type_check CHECK (type IN (
  'topup', 'auto_recharge', 'number_purchase', 'number_refund', 'stripe_refund',
  'dispute', 'dispute_reinstated', 'adjustment'));

CREATE TABLE stripe_disputes (
  dispute_id                text PRIMARY KEY,
  stripe_payment_intent_id  text NOT NULL,
  stripe_charge_id          text NOT NULL,
  amount_pence              bigint NOT NULL CHECK (amount_pence > 0),
  -- the facts: which of the two events has been reported
  withdrawn_event_id        text,
  reinstated_event_id       text,
  -- what was applied: the withdrawal took taken_pence (debited from the wallet, the rest a
  -- shortfall); the reinstatement gave the debited part back
  org_id                    uuid REFERENCES organizations (id),
  taken_pence               bigint CHECK (taken_pence >= 0),
  debited_pence             bigint CHECK (debited_pence >= 0),
  shortfall_pence           bigint CHECK (shortfall_pence >= 0),
  withdrawal_applied_at     timestamptz,
  returned_pence            bigint CHECK (returned_pence >= 0),
  reinstatement_applied_at  timestamptz,
  created_at                timestamptz NOT NULL DEFAULT now(),
  updated_at                timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT a_fact_was_reported CHECK (withdrawn_event_id IS NOT NULL OR reinstated_event_id IS NOT NULL),
  CONSTRAINT an_applied_withdrawal_is_accounted CHECK (
    (withdrawal_applied_at IS NULL AND taken_pence IS NULL AND debited_pence IS NULL AND shortfall_pence IS NULL)
    OR (withdrawal_applied_at IS NOT NULL AND withdrawn_event_id IS NOT NULL AND org_id IS NOT NULL
        AND taken_pence = debited_pence + shortfall_pence AND taken_pence <= amount_pence)),
  CONSTRAINT a_reinstatement_returns_what_was_debited CHECK (
    (reinstatement_applied_at IS NULL AND returned_pence IS NULL)
    OR (reinstatement_applied_at IS NOT NULL AND reinstated_event_id IS NOT NULL
        AND withdrawal_applied_at IS NOT NULL AND returned_pence = debited_pence))
);
CREATE INDEX stripe_disputes_by_payment_intent ON stripe_disputes (stripe_payment_intent_id);

-- A dispute event that arrived before its top-up's credit is recorded 'ignored'
-- (no_credited_top_up) and marked processed when the credit settles it; this finds it.
CREATE INDEX stripe_webhook_events_disputes_by_payment_intent
  ON stripe_webhook_events ((payload #>> '{data,object,payment_intent}'))
  WHERE event_type IN ('charge.dispute.funds_withdrawn', 'charge.dispute.funds_reinstated');
