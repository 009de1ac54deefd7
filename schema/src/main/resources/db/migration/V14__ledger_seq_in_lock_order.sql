-- credit_transactions.seq orders an org's ledger: the commit-time check compares the wallet
-- with the balance_after of the row with the highest seq. The identity default is drawn when
-- the row is formed, before ledger_apply waits for the org's row lock, so two concurrent
-- postings could apply in the opposite order of their seq, and a correct commit was refused.
-- Draw seq inside the trigger, after the lock: an org's rows are numbered in the order they
-- moved its balance. (The default drawn first is discarded; gaps in seq are harmless.)
CREATE OR REPLACE FUNCTION ledger_apply() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  current_balance bigint;
BEGIN
  SELECT wallet_balance_pence INTO current_balance FROM organizations WHERE id = NEW.org_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'organisation % does not exist', NEW.org_id USING ERRCODE = 'foreign_key_violation';
  END IF;
  NEW.seq := nextval(pg_get_serial_sequence('credit_transactions', 'seq'));
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
