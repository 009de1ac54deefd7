-- The orphan sweep lists the numbers of a bounded number of subaccounts per run. It took the
-- 200 oldest every time, so subaccounts past them were never checked (issue 11). Each sweep
-- now starts after the subaccount where the previous one stopped (by id), and starts over at
-- the first after a short page: over successive runs every subaccount is covered.
CREATE TABLE reconcile_cursors (
  name        text PRIMARY KEY CHECK (name ~ '^[a-z_]{1,40}$'),
  after_id    uuid,
  updated_at  timestamptz NOT NULL DEFAULT now()
);
