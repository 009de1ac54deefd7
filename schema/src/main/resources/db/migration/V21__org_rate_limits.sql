-- Per-organisation rate limits (issue 13): one row per (organisation, action) counting the
-- actions of its current window. Updated in place by RateLimits.take, so it never grows
-- beyond one row per organisation and limited action.
CREATE TABLE org_rate_limits (
  org_id        uuid NOT NULL REFERENCES organizations (id),
  action        text NOT NULL CHECK (action ~ '^[a-z_]{1,40}$'),
  window_start  timestamptz NOT NULL,
  hits          integer NOT NULL CHECK (hits > 0),
  PRIMARY KEY (org_id, action)
);

-- the failed-provisioning limit counts refunded attempts of the last hour per organisation
CREATE INDEX managed_numbers_refunded_by_org ON managed_phone_numbers (org_id, refunded_at)
  WHERE refunded_at IS NOT NULL;
