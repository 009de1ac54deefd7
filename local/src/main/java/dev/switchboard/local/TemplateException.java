package dev.switchboard.local;

/** The template cannot be read, or does not say what the runner needs. */
final class TemplateException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  TemplateException(String message) {
    super(message);
  }
}
