package dev.switchboard.local;

import java.security.SecureRandom;
import java.util.HexFormat;

/** Fresh random values for the sandboxes' fake credentials and the local keys. */
final class Secrets {
  private static final SecureRandom RANDOM = new SecureRandom();

  private Secrets() {}

  static String hex(int bytes) {
    byte[] b = new byte[bytes];
    RANDOM.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }
}
