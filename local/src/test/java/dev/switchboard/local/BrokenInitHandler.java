package dev.switchboard.local;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import java.util.Map;

/** Test handler: its constructor fails, as one missing a required setting does. */
public final class BrokenInitHandler implements RequestHandler<Map<String, Object>, String> {
  public BrokenInitHandler() {
    throw new IllegalStateException("TEST_REQUIRED_SETTING is not set");
  }

  @Override
  public String handleRequest(Map<String, Object> event, Context context) {
    return "never";
  }
}
