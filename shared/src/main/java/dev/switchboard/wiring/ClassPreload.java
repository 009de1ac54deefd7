package dev.switchboard.wiring;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The classes a function's first real request loads, recorded from a real run
 * ({@code ./bench.sh preload} writes {@link #RESOURCE} into each function's resources), loaded
 * before the SnapStart snapshot so a restored container finds them in memory.
 *
 * <p>Priming runs the request path on a harmless request; what it cannot reach without a
 * provider call or a write (buying a number, crediting a top-up, the Twilio SDK's request
 * and response classes) is on this list. Classes are loaded but not initialised: a static
 * initialiser could capture randomness or the time into the snapshot, and loading (reading the
 * jar, parsing, verifying) is most of their cost.
 *
 * <p>A list goes stale as the code changes (a class renamed, moved or no longer used): a name
 * that cannot be found is skipped and counted, never an error, as Powertools' class preloader
 * does. A stale list only loads less than it could; {@code ./bench.sh priming} reports how
 * current each list is, and {@code ./bench.sh preload} records them again.
 */
public final class ClassPreload {
  /** One class name a line; {@code #} starts a comment. The same path in every function's jar. */
  public static final String RESOURCE = "META-INF/switchboard/snapstart-preload.classes";

  /** What loading a list did: how many classes it loaded, and the names it could not find. */
  public record Loaded(int loaded, List<String> missing) {
    public Loaded {
      missing = List.copyOf(missing);
    }
  }

  private ClassPreload() {}

  /** The names on the list in {@code loader}'s resources (none when it has no list). */
  public static List<String> names(ClassLoader loader) {
    List<String> names = new ArrayList<>();
    try (InputStream in = loader.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        return names;
      }
      BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        String name = line.strip();
        if (!name.isEmpty() && !name.startsWith("#")) {
          names.add(name);
        }
      }
      return names;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Loads (without initialising) every class on the list that {@code loader} can find; skips the rest. */
  public static Loaded load(ClassLoader loader) {
    int loaded = 0;
    List<String> missing = new ArrayList<>();
    for (String name : names(loader)) {
      try {
        Class.forName(name, false, loader);
        loaded++;
      } catch (ClassNotFoundException | LinkageError e) {
        missing.add(name);
      }
    }
    return new Loaded(loaded, missing);
  }
}
