-- The application role (issue 13). The migration function connects as the schema owner
-- (MIGRATION_DATABASE_URL); every other function connects as a login role that is, or is a
-- member of, this role: it reads and writes rows but cannot change the schema (no CREATE in
-- the schema, and only an owner may ALTER, DROP or TRUNCATE). Its name is the Flyway
-- placeholder appRole (DATABASE_APP_ROLE, default switchboard_app). The role is created
-- NOLOGIN when missing; an operator gives it LOGIN and a password, or grants it to a login
-- role (docs/deploy.md), outside the migrations: no password is ever in a migration.
DO $$
DECLARE
  app    text := '${appRole}';
  schema text := current_schema();
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = app) THEN
    BEGIN
      EXECUTE format('CREATE ROLE %I NOLOGIN', app);
    EXCEPTION WHEN duplicate_object THEN
      NULL; -- another database's migration on the same server created it meanwhile
    END;
  END IF;

  -- nobody but the owner creates objects in the schema (PostgreSQL 15+ does this already)
  EXECUTE format('REVOKE CREATE ON SCHEMA %I FROM PUBLIC', schema);
  EXECUTE format('GRANT USAGE ON SCHEMA %I TO %I', schema, app);

  -- rows of every table, now and (default privileges of the owner) in later migrations
  EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %I TO %I', schema, app);
  EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %I TO %I', schema, app);
  EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO %I',
                 schema, app);
  EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT USAGE, SELECT ON SEQUENCES TO %I', schema, app);

  -- the ledger is append-only (a trigger refuses changes too): the application may only add to it
  EXECUTE format('REVOKE UPDATE, DELETE ON credit_transactions FROM %I', app);
  -- the migration history is the owner's alone
  IF to_regclass(format('%I.flyway_schema_history', schema)) IS NOT NULL THEN
    EXECUTE format('REVOKE ALL ON %I.flyway_schema_history FROM %I', schema, app);
  END IF;
END
$$;
