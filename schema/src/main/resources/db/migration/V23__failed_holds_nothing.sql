-- A refunded failure holds nothing (issue 11). Before, a provisioning whose provider clean-up
-- could not finish at once stayed 'provisioning' until the reconciler settled it, up to an
-- hour: it held its direction (a retry with a new key was 409 number_exists although the client
-- had been told "failed, refunded") and its candidate phone number (another tenant offered the
-- same number by Twilio failed on managed_numbers_one_live_per_phone_number).
--
-- Now the undo marks the number 'failed' in the commit that refunds it and stores the client's
-- answer, so the partial unique indexes (over provisioning, active, releasing) free the direction
-- and the phone number at once. What is left to do at the providers is the row's own state:
-- cleanup_pending is derived from the release columns, so it cannot be forgotten or set wrongly,
-- and the reconciler works through every failed row where it is true. Where a purchase may have
-- landed without its SID being recorded (phone_number set, twilio_released_at not), the Twilio
-- step stays pending until a look-up settles it: no number is bought and forgotten.
ALTER TABLE managed_phone_numbers DROP CONSTRAINT failed_number_is_undone;
ALTER TABLE managed_phone_numbers ADD CONSTRAINT failed_number_is_refunded CHECK (
  status <> 'failed' OR charged_at IS NULL OR refunded_at IS NOT NULL);

ALTER TABLE managed_phone_numbers ADD COLUMN cleanup_pending boolean NOT NULL GENERATED ALWAYS AS (
  status = 'failed'
  AND ((vapi_released_at IS NULL AND (vapi_phone_id IS NOT NULL OR phone_number IS NOT NULL))
       OR (twilio_released_at IS NULL AND (twilio_phone_sid IS NOT NULL OR phone_number IS NOT NULL)))) STORED;

CREATE INDEX managed_numbers_cleanup_pending ON managed_phone_numbers (next_attempt_at) WHERE cleanup_pending;
