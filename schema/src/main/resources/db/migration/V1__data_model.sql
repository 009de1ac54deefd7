-- Switchboard data model. Money is integer pence (GBP); timestamps are timestamptz; every
-- tenant table carries org_id. Rules that protect money and numbers live here, in the
-- database, so that no code path, present or future, can break them.

CREATE TABLE organizations (
  id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name                  text NOT NULL DEFAULT '',
  wallet_balance_pence  bigint NOT NULL DEFAULT 0 CONSTRAINT wallet_balance_not_negative CHECK (wallet_balance_pence >= 0),
  telephony_mode        text NOT NULL DEFAULT 'none' CHECK (telephony_mode IN ('byoc', 'managed', 'none')),
  stripe_customer_id    text,
  stripe_default_pm_id  text,
  created_at            timestamptz NOT NULL DEFAULT now(),
  updated_at            timestamptz NOT NULL DEFAULT now()
);

-- One Twilio subaccount per organisation; its auth token encrypted (AES-256-GCM, iv:tag:ct hex).
CREATE TABLE twilio_subaccounts (
  id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id                uuid NOT NULL UNIQUE REFERENCES organizations (id),
  account_sid           text NOT NULL UNIQUE CHECK (account_sid ~ '^AC[0-9a-fA-F]{32}$'),
  auth_token_encrypted  text NOT NULL CHECK (auth_token_encrypted ~ '^[0-9a-f]{24}:[0-9a-f]{32}:[0-9a-f]+$'),
  friendly_name         text NOT NULL CHECK (length(friendly_name) BETWEEN 1 AND 64),
  status                text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended', 'closed')),
  created_at            timestamptz NOT NULL DEFAULT now(),
  updated_at            timestamptz NOT NULL DEFAULT now()
);

-- Regulatory addresses (GB, AU numbers need one): created once per subaccount and country.
CREATE TABLE twilio_addresses (
  subaccount_id         uuid NOT NULL REFERENCES twilio_subaccounts (id),
  iso_country           text NOT NULL CHECK (iso_country ~ '^[A-Z]{2}$'),
  address_sid           text NOT NULL CHECK (address_sid ~ '^AD[0-9a-fA-F]{32}$'),
  created_at            timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (subaccount_id, iso_country)
);

-- The operational record of a managed number and the durable state of its sagas.
CREATE TABLE managed_phone_numbers (
  id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id                uuid NOT NULL REFERENCES organizations (id),
  phone_number          text CHECK (phone_number ~ '^\+[1-9][0-9]{7,14}$'),
  country_code          text NOT NULL CHECK (country_code IN ('US', 'GB', 'CA', 'AU')),
  number_type           text NOT NULL CHECK (number_type IN ('local', 'toll_free')),
  area_code             text CHECK (area_code ~ '^[0-9]{2,5}$'),
  routing_direction     text NOT NULL CHECK (routing_direction IN ('inbound', 'outbound', 'unassigned')),
  status                text NOT NULL DEFAULT 'provisioning'
                          CHECK (status IN ('provisioning', 'active', 'releasing', 'released', 'failed')),
  price_pence           bigint NOT NULL CHECK (price_pence >= 0),
  twilio_account_sid    text CHECK (twilio_account_sid ~ '^AC[0-9a-fA-F]{32}$'),
  twilio_phone_sid      text CHECK (twilio_phone_sid ~ '^PN[0-9a-fA-F]{32}$'),
  vapi_phone_id         text CHECK (length(vapi_phone_id) BETWEEN 1 AND 128),
  vapi_credential_id    text,
  -- saga progress: each external step is recorded the moment it is known to be done
  charged_at            timestamptz,
  purchased_at          timestamptz,
  imported_at           timestamptz,
  vapi_released_at      timestamptz,
  twilio_released_at    timestamptz,
  refunded_at           timestamptz,
  failed_step           text,
  last_error            text,
  attempts              integer NOT NULL DEFAULT 0,
  -- who is working on it: a saga holds the lease; a retry or the reconciler waits for it to lapse
  lease_expires_at      timestamptz,
  next_attempt_at       timestamptz,
  provisioned_at        timestamptz,
  released_at           timestamptz,
  created_at            timestamptz NOT NULL DEFAULT now(),
  updated_at            timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT active_number_is_complete CHECK (
    status <> 'active' OR (phone_number IS NOT NULL AND twilio_phone_sid IS NOT NULL
                           AND vapi_phone_id IS NOT NULL AND twilio_account_sid IS NOT NULL
                           AND provisioned_at IS NOT NULL)),
  CONSTRAINT released_number_is_released_everywhere CHECK (
    status <> 'released' OR (released_at IS NOT NULL
                             AND (vapi_phone_id IS NULL OR vapi_released_at IS NOT NULL)
                             AND (twilio_phone_sid IS NULL OR twilio_released_at IS NOT NULL))),
  CONSTRAINT failed_number_is_undone CHECK (
    status <> 'failed' OR ((vapi_phone_id IS NULL OR vapi_released_at IS NOT NULL)
                           AND (twilio_phone_sid IS NULL OR twilio_released_at IS NOT NULL)
                           AND (charged_at IS NULL OR refunded_at IS NOT NULL)))
);

-- At most one in-flight or active managed number per organisation and direction; released
-- and failed rows do not count, so a released number (or direction) can be bought again.
CREATE UNIQUE INDEX managed_numbers_one_live_per_direction
  ON managed_phone_numbers (org_id, routing_direction)
  WHERE status IN ('provisioning', 'active', 'releasing');
-- A phone number is live for one record at a time.
CREATE UNIQUE INDEX managed_numbers_one_live_per_phone_number
  ON managed_phone_numbers (phone_number)
  WHERE status IN ('provisioning', 'active', 'releasing') AND phone_number IS NOT NULL;
CREATE INDEX managed_numbers_unfinished
  ON managed_phone_numbers (next_attempt_at)
  WHERE status IN ('provisioning', 'releasing');
CREATE INDEX managed_numbers_by_org ON managed_phone_numbers (org_id, status);

-- The single source of truth for discovery (the agent dropdown). Listing reads only the
-- plaintext metadata, never encrypted_config, so a key change cannot empty the dropdown.
CREATE TABLE org_credentials (
  id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id                uuid NOT NULL REFERENCES organizations (id),
  provider              text NOT NULL CHECK (provider ~ '^[a-z][a-z0-9_]{1,31}$'),
  type                  text NOT NULL CHECK (type IN ('inbound', 'outbound', 'unassigned')),
  is_managed            boolean NOT NULL DEFAULT false,
  managed_number_id     uuid UNIQUE REFERENCES managed_phone_numbers (id),
  encrypted_config      text,
  metadata              jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(metadata) = 'object'),
  is_active             boolean NOT NULL DEFAULT true,
  created_at            timestamptz NOT NULL DEFAULT now(),
  updated_at            timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT managed_credential_points_at_its_number CHECK (is_managed = (managed_number_id IS NOT NULL))
);
CREATE INDEX org_credentials_by_org ON org_credentials (org_id) WHERE is_active;

-- Inbound call routing: which organisation answers a number.
CREATE TABLE phone_number_mapping (
  id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id                uuid NOT NULL REFERENCES organizations (id),
  phone_number          text NOT NULL UNIQUE CHECK (phone_number ~ '^\+[1-9][0-9]{7,14}$'),
  managed_number_id     uuid UNIQUE REFERENCES managed_phone_numbers (id),
  created_at            timestamptz NOT NULL DEFAULT now()
);

-- Owned by the wider platform: (id, org_id, role) is enough to insert one.
CREATE TABLE agents (
  id                      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id                  uuid NOT NULL REFERENCES organizations (id),
  role                    text NOT NULL CHECK (role IN ('inbound', 'outbound')),
  name                    text,
  vapi_assistant_id       text,
  -- a Vapi phone id (the caller id for outbound calls), never an E.164 number
  vapi_phone_number_id    text CONSTRAINT vapi_phone_number_id_is_not_e164 CHECK (vapi_phone_number_id !~ '^\+'),
  linked_phone_number_id  uuid REFERENCES managed_phone_numbers (id),
  created_at              timestamptz NOT NULL DEFAULT now(),
  updated_at              timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX agents_by_org_role ON agents (org_id, role);
CREATE INDEX agents_by_linked_number ON agents (linked_phone_number_id) WHERE linked_phone_number_id IS NOT NULL;

-- The wallet ledger. Append-only; the balance on organizations follows it (trigger below).
CREATE TABLE credit_transactions (
  id                        uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  seq                       bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  org_id                    uuid NOT NULL REFERENCES organizations (id),
  type                      text NOT NULL CHECK (type IN ('topup', 'auto_recharge', 'number_purchase',
                                                          'number_refund', 'stripe_refund', 'adjustment')),
  direction                 text NOT NULL CHECK (direction IN ('credit', 'debit')),
  amount_pence              bigint NOT NULL CHECK (amount_pence > 0),
  balance_before_pence      bigint NOT NULL,
  balance_after_pence       bigint NOT NULL CHECK (balance_after_pence >= 0),
  stripe_payment_intent_id  text,
  stripe_event_id           text,
  managed_number_id         uuid REFERENCES managed_phone_numbers (id),
  idempotency_key           text UNIQUE,
  description               text NOT NULL DEFAULT '',
  created_at                timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT balance_moves_by_amount CHECK (
    balance_after_pence = balance_before_pence
      + CASE direction WHEN 'credit' THEN amount_pence ELSE -amount_pence END)
);
-- At most one top-up credit per PaymentIntent: the session event and the PaymentIntent
-- safety net can both arrive, and only one may credit.
CREATE UNIQUE INDEX credit_transactions_one_credit_per_payment_intent
  ON credit_transactions (stripe_payment_intent_id)
  WHERE direction = 'credit' AND type IN ('topup', 'auto_recharge');
CREATE INDEX credit_transactions_by_org ON credit_transactions (org_id, seq DESC);

-- Every Stripe delivery, recorded before and with its application.
CREATE TABLE stripe_webhook_events (
  event_id        text PRIMARY KEY CHECK (event_id ~ '^evt_[A-Za-z0-9_]+$'),
  event_type      text NOT NULL,
  api_version     text,
  livemode        boolean NOT NULL DEFAULT false,
  org_id          uuid,
  status          text NOT NULL CHECK (status IN ('received', 'processed', 'failed', 'ignored')),
  attempts        integer NOT NULL DEFAULT 1 CHECK (attempts >= 1),
  error           text,
  ignored_reason  text,
  payload         jsonb NOT NULL,
  received_at     timestamptz NOT NULL DEFAULT now(),
  processed_at    timestamptz,
  CONSTRAINT processed_events_have_a_time CHECK (status NOT IN ('processed', 'ignored') OR processed_at IS NOT NULL)
);
CREATE INDEX stripe_webhook_events_failed ON stripe_webhook_events (received_at) WHERE status = 'failed';

-- Client retries of POST /phone-numbers: the first result is kept and answered again.
CREATE TABLE idempotency_keys (
  org_id            uuid NOT NULL REFERENCES organizations (id),
  scope             text NOT NULL,
  key               text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
  request_hash      text NOT NULL,
  status            text NOT NULL CHECK (status IN ('in_progress', 'completed')),
  managed_number_id uuid REFERENCES managed_phone_numbers (id),
  response_status   integer,
  response_body     text,
  created_at        timestamptz NOT NULL DEFAULT now(),
  completed_at      timestamptz,
  PRIMARY KEY (org_id, scope, key),
  CONSTRAINT completed_keys_have_a_response CHECK (
    status <> 'completed' OR (response_status IS NOT NULL AND response_body IS NOT NULL))
);

-- ------------------------------------------------------------------------------------------
-- Invariant 9: at every commit, a managed number has exactly one org_credentials row
-- (is_managed, its direction, metadata naming it) if and only if its status is 'active';
-- and no agent or inbound mapping points at a number that is not active.
-- ------------------------------------------------------------------------------------------
CREATE FUNCTION assert_invariant_9(number_id uuid) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  n             managed_phone_numbers%ROWTYPE;
  matching      integer;
  credentials   integer;
BEGIN
  IF number_id IS NULL THEN
    RETURN;
  END IF;
  SELECT * INTO n FROM managed_phone_numbers WHERE id = number_id;
  IF NOT FOUND THEN
    RETURN; -- foreign keys forbid rows that point at a missing number
  END IF;

  SELECT count(*) INTO credentials FROM org_credentials WHERE managed_number_id = number_id;

  IF n.status = 'active' THEN
    SELECT count(*) INTO matching
      FROM org_credentials c
     WHERE c.managed_number_id = number_id
       AND c.is_managed AND c.is_active
       AND c.org_id = n.org_id
       AND c.type = n.routing_direction
       AND c.metadata ->> 'managedNumberId' = n.id::text
       AND c.metadata ->> 'phoneNumber' = n.phone_number
       AND c.metadata ->> 'vapiPhoneId' = n.vapi_phone_id;
    IF matching <> 1 OR credentials <> 1 THEN
      RAISE EXCEPTION 'invariant 9: active managed number % must have exactly one matching org_credentials row (has %)',
        number_id, credentials
        USING ERRCODE = 'check_violation';
    END IF;
  ELSE
    IF credentials <> 0 THEN
      RAISE EXCEPTION 'invariant 9: managed number % is % but still has an org_credentials row',
        number_id, n.status
        USING ERRCODE = 'check_violation';
    END IF;
    IF EXISTS (SELECT 1 FROM agents a
                WHERE a.linked_phone_number_id = number_id
                   OR (n.vapi_phone_id IS NOT NULL AND a.org_id = n.org_id
                       AND a.vapi_phone_number_id = n.vapi_phone_id)) THEN
      RAISE EXCEPTION 'invariant 9: managed number % is % but an agent still points at it',
        number_id, n.status
        USING ERRCODE = 'check_violation';
    END IF;
    IF EXISTS (SELECT 1 FROM phone_number_mapping m WHERE m.managed_number_id = number_id) THEN
      RAISE EXCEPTION 'invariant 9: managed number % is % but still routes inbound calls',
        number_id, n.status
        USING ERRCODE = 'check_violation';
    END IF;
  END IF;
END;
$$;

CREATE FUNCTION invariant_9_on_number() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM assert_invariant_9(NEW.id);
  RETURN NULL;
END;
$$;

CREATE FUNCTION invariant_9_on_reference() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    IF TG_TABLE_NAME = 'agents' THEN
      PERFORM assert_invariant_9(OLD.linked_phone_number_id);
    ELSE
      PERFORM assert_invariant_9(OLD.managed_number_id);
    END IF;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    IF TG_TABLE_NAME = 'agents' THEN
      PERFORM assert_invariant_9(NEW.linked_phone_number_id);
      -- an agent given a Vapi phone id of a managed number that is not live
      PERFORM assert_invariant_9(m.id)
         FROM managed_phone_numbers m
        WHERE m.org_id = NEW.org_id AND m.vapi_phone_id = NEW.vapi_phone_number_id
          AND m.status <> 'active';
    ELSE
      PERFORM assert_invariant_9(NEW.managed_number_id);
    END IF;
  END IF;
  RETURN NULL;
END;
$$;

CREATE CONSTRAINT TRIGGER invariant_9_numbers
  AFTER INSERT OR UPDATE ON managed_phone_numbers
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION invariant_9_on_number();

CREATE CONSTRAINT TRIGGER invariant_9_credentials
  AFTER INSERT OR UPDATE OR DELETE ON org_credentials
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION invariant_9_on_reference();

CREATE CONSTRAINT TRIGGER invariant_9_agents
  AFTER INSERT OR UPDATE ON agents
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION invariant_9_on_reference();

CREATE CONSTRAINT TRIGGER invariant_9_mapping
  AFTER INSERT OR UPDATE ON phone_number_mapping
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION invariant_9_on_reference();

-- A managed row is never deleted: it is the audit trail of money and numbers.
CREATE FUNCTION forbid_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% rows are never deleted', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
END;
$$;
CREATE TRIGGER managed_numbers_are_never_deleted
  BEFORE DELETE ON managed_phone_numbers
  FOR EACH ROW EXECUTE FUNCTION forbid_delete();

-- ------------------------------------------------------------------------------------------
-- Wallet: the balance on organizations always equals the ledger.
-- A ledger row is append-only; inserting one moves the balance (under the org's row lock),
-- and at commit the balance must equal the newest ledger row's balance_after (0 with none).
-- By induction the balance equals the sum of the ledger.
-- ------------------------------------------------------------------------------------------
CREATE FUNCTION ledger_apply() RETURNS trigger
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
  UPDATE organizations SET wallet_balance_pence = NEW.balance_after_pence, updated_at = now()
   WHERE id = NEW.org_id;
  RETURN NEW;
END;
$$;
CREATE TRIGGER credit_transactions_move_balance
  BEFORE INSERT ON credit_transactions
  FOR EACH ROW EXECUTE FUNCTION ledger_apply();

CREATE FUNCTION ledger_is_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'credit_transactions is append-only: record a correcting transaction instead'
    USING ERRCODE = 'restrict_violation';
END;
$$;
CREATE TRIGGER credit_transactions_append_only
  BEFORE UPDATE OR DELETE ON credit_transactions
  FOR EACH ROW EXECUTE FUNCTION ledger_is_append_only();

CREATE FUNCTION balance_matches_ledger() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  ledger_balance bigint;
BEGIN
  SELECT balance_after_pence INTO ledger_balance
    FROM credit_transactions WHERE org_id = NEW.id ORDER BY seq DESC LIMIT 1;
  IF coalesce(ledger_balance, 0) <> NEW.wallet_balance_pence THEN
    RAISE EXCEPTION 'wallet of % is % pence but its ledger says %', NEW.id, NEW.wallet_balance_pence,
      coalesce(ledger_balance, 0)
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END;
$$;
CREATE CONSTRAINT TRIGGER organizations_balance_matches_ledger
  AFTER INSERT OR UPDATE OF wallet_balance_pence ON organizations
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION balance_matches_ledger();
