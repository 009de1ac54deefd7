-- The no-debt rule could be bypassed by one multi-row INSERT (issue 11). Since V13 the BEFORE
-- trigger computes a row's balance_before/after and an AFTER trigger moves the wallet; PostgreSQL
-- fires the AFTER row triggers at the end of the statement, so every row of one statement read
-- the same balance: with 5000 pence, INSERT … VALUES (debit 3000), (debit 4000) committed, the
-- wallet showed 1000 and the ledger summed to -2000 (two credits the same way lose money the
-- other way). Only Ledger.post writes today, one row per statement, but the rule lives here so
-- that no path, present or future (a back-fill with INSERT … SELECT), can break it.
--
-- The AFTER trigger now refuses a row whose balance_before is not the wallet it is about to
-- move: the row was computed against a balance another row of the same statement has since
-- changed. Rows of different organisations in one statement are unaffected, and so is a row
-- that ON CONFLICT DO NOTHING skipped (its AFTER trigger never fires).
CREATE OR REPLACE FUNCTION ledger_move_balance() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  current_balance bigint;
BEGIN
  SELECT wallet_balance_pence INTO current_balance FROM organizations WHERE id = NEW.org_id;
  IF current_balance <> NEW.balance_before_pence THEN
    RAISE EXCEPTION 'ledger row for % was computed against balance % pence, but the wallet holds % pence: post one row per organisation per statement',
      NEW.org_id, NEW.balance_before_pence, current_balance
      USING ERRCODE = 'check_violation';
  END IF;
  UPDATE organizations SET wallet_balance_pence = NEW.balance_after_pence, updated_at = now()
   WHERE id = NEW.org_id;
  RETURN NULL;
END;
$$;
