package dev.switchboard.testing;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** The Lambda context of one invocation whose clock really runs down from {@code timeLeft}. */
public final class LambdaContext implements Context {
  private final String function;
  private final long deadlineNanos;
  private final String requestId;

  /** {@code function}: the logical id, as in the names Lambda gives ("switchboard-staging-" + id). */
  public LambdaContext(String function, Duration timeLeft) {
    this(function, timeLeft, "8f1c2d3e-4b5a-4c6d-9e7f-0a1b2c3d4e5f");
  }

  /** One invocation among several: each with its own AWS request id. */
  public LambdaContext(String function, Duration timeLeft, String requestId) {
    this.function = "switchboard-staging-" + function;
    this.deadlineNanos = System.nanoTime() + timeLeft.toNanos();
    this.requestId = requestId;
  }

  @Override public int getRemainingTimeInMillis() {
    return (int) Math.max(0, (deadlineNanos - System.nanoTime()) / 1_000_000);
  }
  @Override public String getAwsRequestId() { return requestId; }
  @Override public String getLogGroupName() { return "/aws/lambda/" + function; }
  @Override public String getLogStreamName() { return "2026/11/27/[$LATEST]0123456789abcdef0123456789abcdef"; }
  @Override public String getFunctionName() { return function; }
  @Override public String getFunctionVersion() { return "$LATEST"; }
  @Override public String getInvokedFunctionArn() {
    return "arn:aws:lambda:eu-west-2:123456789012:function:" + function;
  }
  @Override public CognitoIdentity getIdentity() { return null; }
  @Override public ClientContext getClientContext() { return null; }
  @Override public int getMemoryLimitInMB() { return 1024; }
  @Override public LambdaLogger getLogger() {
    return new LambdaLogger() {
      @Override public void log(String message) { System.out.println(message); }
      @Override public void log(byte[] message) { log(new String(message, StandardCharsets.UTF_8)); }
    };
  }
}
