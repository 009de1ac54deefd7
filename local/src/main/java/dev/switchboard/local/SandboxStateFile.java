package dev.switchboard.local;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import dev.switchboard.testing.fake.FakeHttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * A sandbox's state in the data directory, beside the embedded database, so that what the
 * database remembers (the demo org's Twilio subaccount and its token, its numbers at Twilio
 * and Vapi, Checkout sessions, webhook endpoints) still exists at the fake providers on the
 * next run. One JSON document per sandbox, readable only by its owner (it holds the sandbox's
 * fake credentials), replaced whole and atomically, so a run killed mid-write leaves the
 * previous state, never half of one.
 *
 * @param <S> the state the fake exports (a record of records, maps and lists)
 */
final class SandboxStateFile<S> {
  private static final ObjectMapper JSON = new ObjectMapper()
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .registerModule(new SimpleModule("instants")
          .addSerializer(Instant.class, new JsonSerializer<>() {
            @Override
            public void serialize(Instant value, JsonGenerator out, SerializerProvider provider) throws IOException {
              out.writeString(value.toString());
            }
          })
          .addDeserializer(Instant.class, new JsonDeserializer<>() {
            @Override
            public Instant deserialize(JsonParser in, DeserializationContext context) throws IOException {
              return Instant.parse(in.getValueAsString());
            }
          }));

  /** What is kept: the fake's credentials and its state. */
  record Saved<S>(Map<String, String> credentials, S state) {}

  private final Path file;
  private final Class<S> type;

  SandboxStateFile(Path dataDirectory, String sandbox, Class<S> type) {
    this.file = dataDirectory.resolve("sandboxes").resolve(sandbox + ".json");
    this.type = type;
  }

  Path file() {
    return file;
  }

  /** What an earlier run kept; empty on a first run. A file that cannot be read is an error, not a fresh start. */
  Optional<Saved<S>> read() {
    if (!Files.exists(file)) {
      return Optional.empty();
    }
    try {
      var tree = JSON.readTree(file.toFile());
      Map<String, String> credentials = JSON.convertValue(tree.path("credentials"),
          JSON.getTypeFactory().constructMapType(LinkedHashMap.class, String.class, String.class));
      return Optional.of(new Saved<>(credentials, JSON.treeToValue(tree.path("state"), type)));
    } catch (IOException | IllegalArgumentException e) {
      throw new IllegalStateException("cannot read the sandbox state in " + file + " (" + e.getMessage()
          + "): start with --fresh to begin again with an empty database and empty sandboxes", e);
    }
  }

  /**
   * Keeps the fake's state from now on: after every request that may have changed it, and
   * now (a first run keeps its fresh credentials at once). Returns what saves it again.
   */
  Runnable keep(FakeHttpServer fake, Map<String, String> credentials, Supplier<S> state) {
    Runnable save = () -> save(credentials, state);
    fake.afterEveryChange(save);
    save.run();
    return save;
  }

  /**
   * Takes the state and replaces what is kept, both under one lock: two requests finishing
   * at once write their states in the order they were taken, so an older one never wins.
   */
  private synchronized void save(Map<String, String> credentials, Supplier<S> state) {
    write(credentials, state.get());
  }

  private void write(Map<String, String> credentials, S state) {
    try {
      Files.createDirectories(file.getParent());
      Path next = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".next");
      try {
        Files.setPosixFilePermissions(next, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException ignored) {
        // not a POSIX file system (Windows): the file is in the user's own data directory
      }
      JSON.writerWithDefaultPrettyPrinter().writeValue(next.toFile(),
          Map.of("credentials", credentials, "state", state));
      try {
        Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(next, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot keep the sandbox state in " + file, e);
    }
  }
}
