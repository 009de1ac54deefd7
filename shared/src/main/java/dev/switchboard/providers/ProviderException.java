package dev.switchboard.providers;

import dev.switchboard.log.Log.SafeToLog;

/**
 * A call to Twilio, Vapi or Stripe that did not succeed. The message is ours (provider,
 * operation, status, provider code, request id), never the provider's body, which may echo
 * what we sent.
 */
public abstract sealed class ProviderException extends RuntimeException implements SafeToLog
    permits ProviderUnavailable, ProviderRejected {
  private final String provider;
  private final String operation;
  private final int status;
  private final String requestId;

  protected ProviderException(String provider, String operation, int status, String requestId,
                              String detail, Throwable cause) {
    super(provider + " " + operation + " failed: " + detail
        + (requestId == null || requestId.isEmpty() ? "" : " (request " + requestId + ")"), cause);
    this.provider = provider;
    this.operation = operation;
    this.status = status;
    this.requestId = requestId;
  }

  public String provider() {
    return provider;
  }

  public String operation() {
    return operation;
  }

  /** The HTTP status, or 0 when no answer came (timeout, dropped connection). */
  public int status() {
    return status;
  }

  public String requestId() {
    return requestId;
  }
}
