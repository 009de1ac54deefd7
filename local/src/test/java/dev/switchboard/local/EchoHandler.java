package dev.switchboard.local;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Test handler: answers the event it got, the variables it was asked to show, and its context. */
public final class EchoHandler implements RequestHandler<Map<String, Object>, Map<String, Object>> {
  @Override
  public Map<String, Object> handleRequest(Map<String, Object> event, Context context) {
    Map<String, Object> env = new LinkedHashMap<>();
    Object show = event.get("show");
    if (show instanceof List<?> names) {
      for (Object name : names) {
        env.put(String.valueOf(name), System.getenv(String.valueOf(name)));
      }
    }
    System.out.println("{\"event\":\"echo.handled\"}"); // a log line: must reach stderr, not the result
    Map<String, Object> answer = new LinkedHashMap<>();
    answer.put("event", event);
    answer.put("env", env);
    answer.put("functionName", context.getFunctionName());
    answer.put("requestId", context.getAwsRequestId());
    answer.put("remainingMillis", context.getRemainingTimeInMillis());
    answer.put("memoryMb", context.getMemoryLimitInMB());
    return answer;
  }
}
