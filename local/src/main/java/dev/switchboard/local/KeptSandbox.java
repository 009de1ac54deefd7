package dev.switchboard.local;

import dev.switchboard.testing.fake.FakeHttpServer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A sandbox whose fake keeps what it holds in the data directory ({@link SandboxStateFile}):
 * started again on the same directory, it has the same credentials and everything the earlier
 * run created, as the real provider would.
 *
 * @param <F> the fake server
 * @param <S> the state it exports and takes back
 */
abstract class KeptSandbox<F extends FakeHttpServer, S> implements ProviderSandbox {
  private final Class<S> stateType;
  private F fake;
  private SandboxStateFile<S> stateFile;
  private Runnable save = () -> { };
  private boolean restored;

  KeptSandbox(Class<S> stateType) {
    this.stateType = stateType;
  }

  /** New fake credentials, by setting name, for a first run. */
  abstract Map<String, String> freshCredentials();

  /** The fake, serving with these credentials. */
  abstract F startFake(Map<String, String> credentials);

  abstract S state(F fake);

  abstract void restore(F fake, S state);

  @Override
  public final Map<String, String> start(Path dataDirectory) {
    stateFile = new SandboxStateFile<>(dataDirectory, name(), stateType);
    Optional<SandboxStateFile.Saved<S>> saved = stateFile.read();
    Map<String, String> credentials = saved.map(SandboxStateFile.Saved::credentials).orElseGet(this::freshCredentials);
    F started = startFake(credentials);
    fake = started;
    saved.ifPresent(s -> restore(started, s.state()));
    restored = saved.isPresent();
    save = stateFile.keep(started, credentials, () -> state(started));
    Map<String, String> settings = new LinkedHashMap<>(credentials);
    settings.put(baseUrlSetting(), started.baseUrl());
    return settings;
  }

  @Override
  public final Optional<Path> stateFile() {
    return Optional.ofNullable(stateFile).map(SandboxStateFile::file);
  }

  @Override
  public final boolean restored() {
    return restored;
  }

  @Override
  public final String baseUrl() {
    return fake.baseUrl();
  }

  /** The fake itself; empty before {@link #start} (or when the real service is used). */
  final Optional<F> fake() {
    return Optional.ofNullable(fake);
  }

  /** Keeps the state once more, then stops the fake. */
  @Override
  public final void close() {
    if (fake != null) {
      save.run();
      fake.close();
    }
  }
}
