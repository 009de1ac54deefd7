package dev.switchboard.local;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A provider the runner can stand in for: its fake server from the test kit, speaking the
 * provider's wire format, started only when the developer gave no credentials of their own.
 */
interface ProviderSandbox extends AutoCloseable {
  /** "Twilio", as the announcement names it. */
  String provider();

  /** "twilio": the announcement's short name. */
  default String name() {
    return provider().toLowerCase(java.util.Locale.ROOT);
  }

  /** The settings whose presence means "use the real service". */
  List<String> credentials();

  /** Whether the developer gave what the real service needs (by default: every credential). */
  default boolean real(java.util.function.Predicate<String> given) {
    return credentials().stream().allMatch(given);
  }

  /** The base-URL setting that points the function's SDK at a server. */
  String baseUrlSetting();

  /** The real service's URL, shown when the real one is used without a base URL of its own. */
  String realUrl();

  /**
   * Starts the fake with what an earlier run on this data directory left (its accounts,
   * numbers, sessions and credentials), or fresh; the settings that point a function at it.
   */
  Map<String, String> start(Path dataDirectory);

  /** Whether {@link #start} found what an earlier run kept. */
  default boolean restored() {
    return false;
  }

  /** Where the fake's state is kept between runs; empty when it keeps none. */
  default Optional<Path> stateFile() {
    return Optional.empty();
  }

  /** Where the fake listens, once started. */
  String baseUrl();

  @Override
  void close();
}
