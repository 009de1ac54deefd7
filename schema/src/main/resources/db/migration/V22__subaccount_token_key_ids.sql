-- Subaccount tokens carry the id of the key that encrypted them and are bound to their row
-- (issue 13): v2:<key id>:<iv>:<tag>:<ciphertext>. Tokens written before stay readable in the
-- old iv:tag:ciphertext form until the re-encrypt step moves them to the newest key.
ALTER TABLE twilio_subaccounts DROP CONSTRAINT twilio_subaccounts_auth_token_encrypted_check;
ALTER TABLE twilio_subaccounts ADD CONSTRAINT twilio_subaccounts_auth_token_encrypted_check CHECK (
  auth_token_encrypted ~ '^[0-9a-f]{24}:[0-9a-f]{32}:[0-9a-f]+$'
  OR auth_token_encrypted ~ '^v2:[a-z0-9_-]{1,16}:[0-9a-f]{24}:[0-9a-f]{32}:[0-9a-f]+$');
