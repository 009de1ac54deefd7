package dev.switchboard.providers;

/** The provider refused the request (4xx): it did not happen, and repeating it will not help. */
public final class ProviderRejected extends ProviderException {
  private final String code;

  public ProviderRejected(String provider, String operation, int status, String code,
                          String requestId, Throwable cause) {
    super(provider, operation, status, requestId,
        "HTTP " + status + (code == null ? "" : " (code " + code + ")"), cause);
    this.code = code;
  }

  /** The provider's own error code (Twilio 21452, Stripe resource_missing, …), or null. */
  public String code() {
    return code;
  }

  public boolean isNotFound() {
    return status() == 404;
  }
}
