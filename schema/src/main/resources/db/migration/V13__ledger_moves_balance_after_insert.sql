-- PostgreSQL fires BEFORE INSERT row triggers even for a row that INSERT ... ON CONFLICT DO
-- NOTHING then skips. V1 moved the balance in its BEFORE trigger, so posting a duplicate
-- ledger entry that way moved the wallet for a row that was never written (the deferred
-- balance check then refused the commit). Mend the mechanism: the BEFORE trigger only computes
-- balance_before/after under the org's row lock; the wallet moves in an AFTER INSERT trigger,
-- which fires for rows actually inserted. An idempotent post is now safe from any code path.
CREATE OR REPLACE FUNCTION ledger_apply() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  current_balance bigint;
BEGIN
  SELECT wallet_balance_pence INTO current_balance FROM organizations WHERE id = NEW.org_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'organisation % does not exist', NEW.org_id USING ERRCODE = 'foreign_key_violation';
  END IF;
  NEW.balance_before_pence := current_balance;
  NEW.balance_after_pence := current_balance
    + CASE NEW.direction WHEN 'credit' THEN NEW.amount_pence ELSE -NEW.amount_pence END;
  IF NEW.balance_after_pence < 0 THEN
    RAISE EXCEPTION 'insufficient funds: balance % pence, debit % pence', current_balance, NEW.amount_pence
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$$;

CREATE FUNCTION ledger_move_balance() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE organizations SET wallet_balance_pence = NEW.balance_after_pence, updated_at = now()
   WHERE id = NEW.org_id;
  RETURN NULL;
END;
$$;

CREATE TRIGGER credit_transactions_move_balance_after
  AFTER INSERT ON credit_transactions
  FOR EACH ROW EXECUTE FUNCTION ledger_move_balance();
