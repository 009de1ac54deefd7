-- The deferred check of V1 (the balance equals the newest ledger row's balance_after) compared
-- NEW, the organisation row as of each balance update, with the ledger as of the commit. A
-- transaction that moves one wallet twice (a top-up credit, then the refund Stripe reported
-- before it, settled in the same transaction) queues two checks, and the first one saw the
-- intermediate balance: a correct commit was refused. The check now reads the row as it is
-- at commit. The rule is the same; a commit whose balance differs from its ledger still fails.
CREATE OR REPLACE FUNCTION balance_matches_ledger() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  ledger_balance  bigint;
  current_balance bigint;
BEGIN
  SELECT wallet_balance_pence INTO current_balance FROM organizations WHERE id = NEW.id;
  IF NOT FOUND THEN
    RETURN NULL; -- the row is gone; foreign keys keep its ledger from outliving it
  END IF;
  SELECT balance_after_pence INTO ledger_balance
    FROM credit_transactions WHERE org_id = NEW.id ORDER BY seq DESC LIMIT 1;
  IF coalesce(ledger_balance, 0) <> current_balance THEN
    RAISE EXCEPTION 'wallet of % is % pence but its ledger says %', NEW.id, current_balance,
      coalesce(ledger_balance, 0)
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END;
$$;
