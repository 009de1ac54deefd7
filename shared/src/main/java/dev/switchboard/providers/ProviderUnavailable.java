package dev.switchboard.providers;

/**
 * The provider answered 5xx or 429, or did not answer at all (timeout, refused or dropped
 * connection). For a call that changes something, the outcome is unknown: it may have
 * happened. Look before assuming it did not.
 */
public final class ProviderUnavailable extends ProviderException {
  public ProviderUnavailable(String provider, String operation, int status, String requestId,
                             String detail, Throwable cause) {
    super(provider, operation, status, requestId, detail, cause);
  }
}
