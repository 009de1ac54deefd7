package dev.switchboard.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Which classes a function's first request loads in a fresh JVM, for the tests that keep the
 * SnapStart preload lists current. The test names a class whose {@code main} builds the handler
 * (its no-arg constructor, as the runtime does, from {@code environment}), runs what should run
 * before the request (the SnapStart hooks), and wraps the request in {@link #firstRequest}. That
 * runs in a new JVM on the test's own classpath, with the Lambda runtime's JIT flag and
 * {@code -Xlog:class+load}; the answer is the names of the classes loaded during the request
 * that a preload list could name: read from a jar or the JDK's modules, not hidden classes
 * (lambdas, generated accessors), which exist only once their code runs.
 */
public final class FirstRequestProbe {
  private static final String START = "@@first-request@@";
  private static final String END = "@@first-request-done@@";

  private FirstRequestProbe() {}

  /** In the fresh JVM: runs the request between the markers the parent looks for. */
  public static <T> T firstRequest(Supplier<T> request) {
    System.out.println(START);
    System.out.flush();
    T answer = request.get();
    System.out.println(END);
    System.out.flush();
    return answer;
  }

  /** In the test: runs {@code main} in a fresh JVM; the classes its first request loaded, by name. */
  public static List<String> classesLoadedByFirstRequest(Class<?> main, Map<String, String> environment)
      throws IOException, InterruptedException {
    List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:TieredStopAtLevel=1", "-Xshare:auto", "-Xlog:class+load=info:stdout:none",
        "-cp", System.getProperty("java.class.path"), main.getName());
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().putAll(environment);
    Process process = pb.start();
    List<String> loaded = new ArrayList<>();
    List<String> tail = new ArrayList<>();
    boolean inside = false;
    boolean done = false;
    try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
        StandardCharsets.UTF_8))) {
      for (String line = out.readLine(); line != null; line = out.readLine()) {
        if (line.equals(START)) {
          inside = true;
        } else if (line.equals(END)) {
          inside = false;
          done = true;
        } else if (inside && line.contains(" source: ")) {
          if (loadableByName(line)) {
            loaded.add(line.substring(0, line.indexOf(' ')));
          }
        } else if (!line.contains(" source: ")) {
          tail.add(line);
          if (tail.size() > 40) {
            tail.remove(0);
          }
        }
      }
    }
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
    if (!done || process.exitValue() != 0) {
      throw new AssertionError(main.getName() + " did not finish its first request (exit "
          + process.exitValue() + "):\n" + String.join("\n", tail));
    }
    return loaded;
  }

  private static boolean loadableByName(String line) {
    String name = line.substring(0, line.indexOf(' '));
    String source = line.substring(line.indexOf(" source: ") + 9);
    // a lambda from the JDK's CDS archive says "shared objects file", yet has no name to load it by
    return !name.contains("$$Lambda") && !name.contains("/0x") && (source.startsWith("jrt:/") || source.startsWith("shared objects file") || source.startsWith("file:")
        || source.startsWith("jar:"));
  }
}
