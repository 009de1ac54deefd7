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
 */
public final class ClassPreload {
  /** One class name a line; {@code #} starts a comment. The same path in every function's jar. */
  public static final String RESOURCE = "META-INF/switchboard/snapstart-preload.classes";

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

  /**
   * What makes the list stale, for its tests: names on it that {@code loader} cannot find, and
   * classes of ours that a first request after the hooks still loaded ({@code loadedByRequest}),
   * which priming or the list should have loaded. Empty when the list is current.
   */
  public static List<String> missing(ClassLoader loader, List<String> loadedByRequest) {
    List<String> problems = new ArrayList<>();
    List<String> names = names(loader);
    for (String name : names) {
      try {
        Class.forName(name, false, loader);
      } catch (ClassNotFoundException | LinkageError e) {
        problems.add("on the list but not found: " + name);
      }
    }
    for (String name : loadedByRequest) {
      if (name.startsWith("dev.switchboard.") && !names.contains(name)) {
        problems.add("loaded by the first request, not preloaded: " + name);
      }
    }
    return problems;
  }

  /** Loads every class on the list; returns how many it could not find (a stale list). */
  public static int load(ClassLoader loader) {
    int missing = 0;
    for (String name : names(loader)) {
      try {
        Class.forName(name, false, loader);
      } catch (ClassNotFoundException | LinkageError e) {
        missing++;
      }
    }
    return missing;
  }
}
