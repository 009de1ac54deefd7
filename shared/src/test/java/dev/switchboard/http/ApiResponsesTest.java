package dev.switchboard.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.switchboard.json.Json;
import dev.switchboard.json.JsonObject;
import dev.switchboard.log.Log;
import dev.switchboard.testing.LambdaContext;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What an API request leaves in the log: its AWS request id on every line, and nothing after it. */
class ApiResponsesTest {
  private static final Log LOG = Log.of(ApiResponsesTest.class);

  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private PrintStream original;

  @BeforeEach
  void captureStandardOutput() {
    original = System.out;
    System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
  }

  @AfterEach
  void restoreStandardOutput() {
    System.setOut(original);
  }

  private List<JsonObject> records() {
    return bytes.toString(StandardCharsets.UTF_8).lines().map(Json::parseObject).toList();
  }

  @Test
  void aCrashedRequest_logsWithBothIds_andAnswers500WithApiGatewaysId() {
    APIGatewayV2HTTPResponse answer = ApiResponses.handle(() -> {
      LOG.info("work.started");
      throw new IllegalStateException("a bug");
    }, "apigw-id-1", new LambdaContext("ListNumbersFunction", Duration.ofSeconds(10), "lambda-req-1"));

    assertEquals(500, answer.getStatusCode());
    assertTrue(answer.getBody().contains("\"requestId\":\"apigw-id-1\""), answer.getBody());
    List<JsonObject> records = records();
    assertEquals(List.of("work.started", "request.crashed"),
        records.stream().map(r -> r.optString("event").orElseThrow()).toList());
    records.forEach(r -> assertEquals("lambda-req-1", r.optString("requestId").orElseThrow(), r.toString()));
    assertEquals("apigw-id-1", records.get(1).optString("apiRequestId").orElseThrow());
  }

  @Test
  void twoInvocationsOfAWarmContainer_eachLogWithTheirOwnId_andNothingLeaksPastThem() {
    for (String id : List.of("lambda-req-a", "lambda-req-b")) {
      ApiResponses.handle(() -> {
        LOG.info("work.done");
        return ApiResponses.json(200, Json.obj("ok", true));
      }, "apigw-" + id, new LambdaContext("ListNumbersFunction", Duration.ofSeconds(10), id));
    }
    LOG.info("between.invocations");
    // a priming call before the snapshot has no context
    ApiResponses.handle(() -> {
      LOG.info("priming");
      return ApiResponses.json(200, Json.obj());
    }, "", null);

    List<JsonObject> records = records();
    assertEquals("lambda-req-a", records.get(0).optString("requestId").orElseThrow());
    assertEquals("lambda-req-b", records.get(1).optString("requestId").orElseThrow());
    assertFalse(records.get(2).optString("requestId").isPresent());
    assertFalse(records.get(3).optString("requestId").isPresent());
  }
}
