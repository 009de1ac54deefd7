package dev.switchboard.function.migration;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.CloudFormationCustomResourceEvent;
import dev.switchboard.config.MissingConfigException;
import dev.switchboard.config.Settings;
import dev.switchboard.db.DatabaseUrl;
import dev.switchboard.deploy.AnswerInTime;
import dev.switchboard.deploy.OwnStack;
import dev.switchboard.deploy.ResponseClient;
import dev.switchboard.deploy.Rollbacks;
import dev.switchboard.log.Log;
import dev.switchboard.schema.SchemaMigrator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.flywaydb.core.api.FlywayException;
import software.amazon.lambda.powertools.cloudformation.AbstractCustomResourceHandler;
import software.amazon.lambda.powertools.cloudformation.Response;

/**
 * Custom::DatabaseMigration: brings the schema to the latest migration on Create and Update
 * (the template passes the function version, so every code deploy is an Update), and leaves
 * the database alone on Delete. Functions never migrate at cold start; this is the one place.
 *
 * <p>Only its own stack's events ({@link OwnStack}: StackId and ResponseURL). Migrations are
 * never undone, so a rollback Update (to an older function version) has nothing to do: it is
 * answered SUCCESS without connecting, and the previous code runs on the newer schema (which is
 * why migrations expand first and contract a release later, docs/deploy.md). A Delete never
 * connects either: a database that cannot be reached wedges neither a rollback nor a delete.
 *
 * <p>Powertools sends the answer to CloudFormation's pre-signed URL; {@link AnswerInTime}
 * makes sure there is one, even when the migration throws or runs out of time.
 */
public final class DatabaseMigrationHandler implements RequestHandler<CloudFormationCustomResourceEvent, Response> {
  /** The physical id: one schema per stack, so one stable id. */
  static final String PHYSICAL_ID = "switchboard-schema";
  /** The SchemaVersion a rollback answers: it does not read the database. */
  static final String UNCHANGED = "unchanged";
  private static final Log LOG = Log.of(DatabaseMigrationHandler.class);

  private final Settings settings;
  private final AnswerInTime answerInTime = new AnswerInTime();
  private final Resource resource = new Resource();

  /** The Lambda runtime's constructor: reads nothing yet, so it cannot fail before it can answer. */
  public DatabaseMigrationHandler() {
    this(Settings.fromEnvironment());
  }

  public DatabaseMigrationHandler(Settings settings) {
    this.settings = settings;
  }

  @Override
  public Response handleRequest(CloudFormationCustomResourceEvent event, Context context) {
    return OwnStack.from(settings).unanswerable(event, context, physicalId(event))
        .orElseGet(() -> resource.handleRequest(event, context));
  }

  /** Powertools' handler: it answers the ResponseURL checked above. */
  private final class Resource extends AbstractCustomResourceHandler {
    Resource() {
      super(ResponseClient.create());
    }

    @Override
    protected Response create(CloudFormationCustomResourceEvent event, Context context) {
      return notOurs(event, context).orElseGet(() -> migrate(context, PHYSICAL_ID));
    }

    @Override
    protected Response update(CloudFormationCustomResourceEvent event, Context context) {
      String id = physicalId(event);
      return notOurs(event, context).orElseGet(() -> {
        if (Rollbacks.toOlderFunctionVersion(event.getResourceProperties(), event.getOldResourceProperties())) {
          return Log.inRequest(context.getAwsRequestId(), () -> {
            LOG.info("schema.rollback_not_undone", "to", event.getResourceProperties().get(Rollbacks.FUNCTION_VERSION));
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("SchemaVersion", UNCHANGED);
            data.put("Applied", 0);
            return Response.builder().status(Response.Status.SUCCESS).physicalResourceId(id).value(data).build();
          });
        }
        return migrate(context, id);
      });
    }

    /** Migrations are never undone: deleting the stack keeps the data. */
    @Override
    protected Response delete(CloudFormationCustomResourceEvent event, Context context) {
      return notOurs(event, context).orElseGet(() -> Response.success(physicalId(event)));
    }

    @Override
    protected void onSendFailure(CloudFormationCustomResourceEvent event, Context context,
                                 Response response, Exception exception) {
      // the URL is pre-signed: log that it failed, never the URL
      Log.inRequest(context == null ? null : context.getAwsRequestId(), () -> {
        LOG.error("custom_resource.answer_not_sent", exception, "cfnRequestId", event.getRequestId());
        return null;
      });
    }
  }

  /** Another stack's event (or no STACK_ID): FAILED, nothing done. */
  private Optional<Response> notOurs(CloudFormationCustomResourceEvent event, Context context) {
    return OwnStack.from(settings).stackRefusal(event.getStackId()).map(why -> Log.inRequest(
        context == null ? null : context.getAwsRequestId(), () -> {
          LOG.error("custom_resource.refused", null, "why", why, "cfnRequestId", event.getRequestId());
          return AnswerInTime.failed(physicalId(event), why);
        }));
  }

  private static String physicalId(CloudFormationCustomResourceEvent event) {
    return Optional.ofNullable(event.getPhysicalResourceId()).orElse(PHYSICAL_ID);
  }

  private Response migrate(Context context, String physicalId) {
    Holder<DatabaseUrl> url = new Holder<>();
    Supplier<Response> work = () -> {
      url.value = DatabaseUrl.parse(migrationUrl(settings));
      SchemaMigrator.Result result = new SchemaMigrator(url.value.jdbcUrl(),
          url.value.user().orElse(null), url.value.password().orElse(null), appRole(settings)).migrate();
      LOG.info("schema.migrated", "schemaVersion", result.schemaVersion(), "applied", result.applied());
      Map<String, Object> data = new LinkedHashMap<>();
      data.put("SchemaVersion", result.schemaVersion());
      data.put("Applied", result.applied());
      return Response.builder().status(Response.Status.SUCCESS).physicalResourceId(physicalId)
          .value(data).build();
    };
    // a migration is one transaction per step and safe to leave: it needs no give-up flag
    return answerInTime.run(context, physicalId, givenUp -> work.get(), e -> reason(e, url.value));
  }

  /**
   * The schema owner's connection: MIGRATION_DATABASE_URL, direct to the database (never
   * through a pooler: migrations take locks and run DDL); DATABASE_URL when it is not set.
   * Read only here, so no other function can see it.
   */
  static String migrationUrl(Settings settings) {
    return settings.get("MIGRATION_DATABASE_URL").orElseGet(() -> settings.require("DATABASE_URL"));
  }

  /** DATABASE_APP_ROLE: the role the migrations grant row access to (default switchboard_app). */
  static String appRole(Settings settings) {
    String role = settings.getOrDefault("DATABASE_APP_ROLE", SchemaMigrator.DEFAULT_APP_ROLE).trim();
    if (!SchemaMigrator.isRoleName(role)) {
      throw new MissingConfigException("DATABASE_APP_ROLE",
          "DATABASE_APP_ROLE must be a lower-case PostgreSQL identifier such as switchboard_app");
    }
    return role;
  }

  /**
   * A reason CloudFormation can show: our own messages as they are, Flyway's (which say which
   * migration failed validation or which statement failed) with the database password removed,
   * anything else by its type only.
   */
  static String reason(Throwable e, DatabaseUrl url) {
    if (e instanceof MissingConfigException) {
      return e.getMessage();
    }
    if (e instanceof FlywayException && e.getMessage() != null) {
      return "migration failed: " + Redaction.redact(e.getMessage(), url);
    }
    return "migration failed: " + e.getClass().getSimpleName() + " (see the function's log)";
  }

  private static final class Holder<T> {
    volatile T value;
  }
}
