package dev.switchboard.local;

/** The command line, or a file it names, is wrong: printed as it is, and the runner exits 2. */
final class UsageException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  UsageException(String message) {
    super(message);
  }
}
