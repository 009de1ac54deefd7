package dev.switchboard.config;

import dev.switchboard.log.Log.SafeToLog;

/**
 * The secret store could not answer now (unreachable, throttled, a 5xx): worth trying again
 * later, unlike a secret that does not exist or may not be read.
 */
public final class SecretStoreUnavailable extends RuntimeException implements SafeToLog {
  public SecretStoreUnavailable(String secretId, Throwable cause) {
    super("the secret store did not answer for " + secretId + " (" + cause.getClass().getSimpleName() + ")", cause);
  }
}
