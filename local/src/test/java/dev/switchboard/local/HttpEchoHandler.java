package dev.switchboard.local;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Test handler of HTTP routes: receives the typed payload 2.0 event (deserialised as the
 * Lambda runtime does) and answers what it saw, with a status and a header of its own.
 * {@code ?waitFor=<file>} makes it wait until that file exists first: a test decides when a slow
 * request finishes.
 */
public final class HttpEchoHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Override
  public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
    String waitFor = event.getQueryStringParameters() == null ? null : event.getQueryStringParameters().get("waitFor");
    if (waitFor != null) {
      // a slow request, as slow as the test wants (the function's timeout still ends it)
      while (!Files.exists(Path.of(waitFor))) {
        try {
          Thread.sleep(10);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
    }
    Map<String, Object> seen = new LinkedHashMap<>();
    seen.put("version", event.getVersion());
    seen.put("routeKey", event.getRouteKey());
    seen.put("rawPath", event.getRawPath());
    seen.put("rawQueryString", event.getRawQueryString());
    seen.put("headers", event.getHeaders());
    seen.put("cookies", event.getCookies());
    seen.put("queryStringParameters", event.getQueryStringParameters());
    seen.put("pathParameters", event.getPathParameters());
    seen.put("body", event.getBody());
    seen.put("isBase64Encoded", event.getIsBase64Encoded());
    var ctx = event.getRequestContext();
    seen.put("method", ctx.getHttp().getMethod());
    seen.put("path", ctx.getHttp().getPath());
    seen.put("requestId", ctx.getRequestId());
    seen.put("time", ctx.getTime());
    seen.put("claims", ctx.getAuthorizer() == null ? null : ctx.getAuthorizer().getJwt().getClaims());
    try {
      return APIGatewayV2HTTPResponse.builder()
          .withStatusCode(event.getRawPath().startsWith("/hooks/") ? 202 : 200)
          .withHeaders(Map.of("content-type", "application/json", "x-echo", "yes"))
          .withBody(JSON.writeValueAsString(seen))
          .build();
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
