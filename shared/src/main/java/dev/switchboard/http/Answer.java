package dev.switchboard.http;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.switchboard.error.SwitchboardException;
import dev.switchboard.json.Json;
import java.util.Map;

/**
 * A status and a JSON body, as given to a client: what an idempotent request stores and
 * answers again, byte for byte, on a retry.
 */
public record Answer(int status, String body) {
  public static Answer of(int status, Object body) {
    return new Answer(status, Json.write(body));
  }

  public static Answer of(SwitchboardException e) {
    return new Answer(e.code().status(), Json.write(Map.of("error", ApiResponses.errorFields(e))));
  }

  public APIGatewayV2HTTPResponse toResponse() {
    return ApiResponses.rawJson(status, body);
  }
}
