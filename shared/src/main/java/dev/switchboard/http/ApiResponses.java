package dev.switchboard.http;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.switchboard.db.DatabaseException;
import dev.switchboard.db.DatabaseUnavailable;
import dev.switchboard.error.ErrorCode;
import dev.switchboard.error.SwitchboardException;
import dev.switchboard.json.Json;
import dev.switchboard.log.Log;
import dev.switchboard.providers.ProviderException;
import java.util.LinkedHashMap;
import java.util.Map;

/** JSON answers and the one error envelope: {"error":{"code","message",...details}}. */
public final class ApiResponses {
  private static final Log LOG = Log.of(ApiResponses.class);
  private static final Map<String, String> HEADERS =
      Map.of("content-type", "application/json", "cache-control", "no-store");

  /** The detail an error carries when the client should wait: also sent as Retry-After. */
  public static final String RETRY_AFTER_SECONDS = "retryAfterSeconds";

  /** When a client should retry after {@code service_unavailable}: long enough for a burst to pass. */
  static final int DATABASE_RETRY_AFTER_SECONDS = 2;

  private ApiResponses() {}

  public static APIGatewayV2HTTPResponse json(int status, Object body) {
    return rawJson(status, Json.write(body));
  }

  public static APIGatewayV2HTTPResponse rawJson(int status, String body) {
    return APIGatewayV2HTTPResponse.builder()
        .withStatusCode(status)
        .withHeaders(HEADERS)
        .withBody(body)
        .withIsBase64Encoded(false)
        .build();
  }

  public static APIGatewayV2HTTPResponse error(SwitchboardException e) {
    APIGatewayV2HTTPResponse response = json(e.code().status(), Map.of("error", errorFields(e)));
    if (e.details().get(RETRY_AFTER_SECONDS) instanceof Number seconds) {
      Map<String, String> headers = new LinkedHashMap<>(HEADERS);
      headers.put("retry-after", Long.toString(Math.max(1, seconds.longValue())));
      response.setHeaders(headers);
    }
    return response;
  }

  /** The inside of the envelope: code, message, then the extra fields. */
  public static Map<String, Object> errorFields(SwitchboardException e) {
    Map<String, Object> error = new LinkedHashMap<>();
    error.put("code", e.code().wire());
    error.put("message", e.getMessage());
    error.putAll(e.details());
    return error;
  }

  /**
   * Runs a request and maps every failure to exactly one answer. Known failures keep their
   * code; anything else is logged (type only) and answered 500 without internals.
   *
   * <p>Every log line written meanwhile carries the invocation's AWS request id
   * ({@link Log#inRequest}); the failure lines also carry {@code apiRequestId}, API Gateway's
   * id, which a 500 answer gives the client as {@code requestId}. {@code context} is null when
   * a handler primes itself before a SnapStart snapshot.
   */
  public static APIGatewayV2HTTPResponse handle(ApiRequestSupplier work, String apiRequestId, Context context) {
    return Log.inRequest(context == null ? null : context.getAwsRequestId(), () -> answer(work, apiRequestId));
  }

  private static APIGatewayV2HTTPResponse answer(ApiRequestSupplier work, String requestId) {
    try {
      return work.get();
    } catch (SwitchboardException e) {
      if (e.code().status() >= 500) {
        LOG.error("request.failed", e, "apiRequestId", requestId, "code", e.code().wire());
      }
      return error(e);
    } catch (ProviderException e) {
      LOG.error("request.provider_failed", e, "apiRequestId", requestId, "provider", e.provider(),
          "status", e.status());
      return error(new SwitchboardException(ErrorCode.PROVIDER_ERROR,
          "the " + e.provider() + " service did not answer as expected; try again",
          Map.of("provider", e.provider())));
    } catch (DatabaseUnavailable e) {
      // nothing was done: a storm of new containers found the database's connections all taken
      LOG.warn("request.database_unavailable", "apiRequestId", requestId, "sqlState", e.sqlState());
      return error(new SwitchboardException(ErrorCode.SERVICE_UNAVAILABLE,
          "the service is busy; try again shortly", Map.of(RETRY_AFTER_SECONDS, DATABASE_RETRY_AFTER_SECONDS)));
    } catch (RuntimeException e) {
      if (e instanceof DatabaseException lost && lost.connectionLost()) {
        // the connection died under the request (a failover), before its commit or at it: not our
        // code's failure, and each route is safe to send again (a purchase or top-up with its
        // Idempotency-Key learns what became of the first; a release resumes)
        LOG.warn("request.database_lost", "apiRequestId", requestId, "sqlState", lost.sqlState());
        return error(new SwitchboardException(ErrorCode.SERVICE_UNAVAILABLE,
            "the service lost its database connection; try again shortly",
            Map.of(RETRY_AFTER_SECONDS, DATABASE_RETRY_AFTER_SECONDS)));
      }
      if (PrimingEvents.REQUEST_ID.equals(requestId)) {
        // a version published before its schema exists (the migration has not run yet) fails
        // its priming: no user's request crashed, so RequestsCrashedAlarm must not hear of it
        LOG.warn("snapstart.prime.request_failed", "errorType", e.getClass().getName());
        return error(new SwitchboardException(ErrorCode.INTERNAL, "priming failed", Map.of()));
      }
      LOG.error("request.crashed", e, "apiRequestId", requestId);
      Map<String, Object> details = requestId.isEmpty() ? Map.of() : Map.of("requestId", requestId);
      return error(new SwitchboardException(
          ErrorCode.INTERNAL, "something went wrong on our side; try again", details));
    }
  }

  /** The work of one request. */
  @FunctionalInterface
  public interface ApiRequestSupplier {
    APIGatewayV2HTTPResponse get();
  }
}
