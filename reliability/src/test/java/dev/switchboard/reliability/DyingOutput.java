package dev.switchboard.reliability;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Standard output that kills the function the first time it logs a given event. Every
 * function logs one JSON line per step through System.out, so "dies right after it logged
 * release.started" is a precise point between two steps, reachable without any test hook in
 * the code under test. Install with {@link #install}, always {@link #close} in a finally.
 */
final class DyingOutput extends PrintStream {
  private final PrintStream original;
  private final String marker;
  private final AtomicBoolean fired = new AtomicBoolean();

  private DyingOutput(PrintStream original, String event) {
    super(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8);
    this.original = original;
    this.marker = "\"event\":\"" + event + "\"";
  }

  static DyingOutput install(String event) {
    DyingOutput out = new DyingOutput(System.out, event);
    System.setOut(out);
    return out;
  }

  boolean fired() {
    return fired.get();
  }

  @Override
  public void println(String line) {
    original.println(line);
    if (line != null && line.contains(marker) && fired.compareAndSet(false, true)) {
      throw new Crash("right after logging " + marker);
    }
  }

  @Override
  public void println(Object x) {
    println(String.valueOf(x));
  }

  @Override
  public void print(String s) {
    original.print(s);
  }

  @Override
  public void write(byte[] buf, int off, int len) {
    original.write(buf, off, len);
  }

  @Override
  public void write(int b) {
    original.write(b);
  }

  @Override
  public void flush() {
    original.flush();
  }

  @Override
  public void close() {
    System.setOut(original);
  }
}
