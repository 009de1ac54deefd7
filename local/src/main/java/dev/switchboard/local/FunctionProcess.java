package dev.switchboard.local;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One function's execution environment: a child JVM on the runner's classpath whose process
 * environment is exactly the one composed for the function, running {@link HandlerWorker}.
 *
 * <p>Why a child process rather than the handler in the runner's JVM: our handlers read
 * {@code Settings.fromEnvironment()}, i.e. {@code System.getenv()}, which cannot be changed
 * inside a running JVM; a process of its own is the only way to run the handler's real
 * no-arg constructor with its real environment, as Lambda does. It also keeps each function's
 * statics, connections and class path state apart, and a warm process is reused across
 * invocations like a warm Lambda container. One invocation at a time per process.
 */
final class FunctionProcess implements AutoCloseable {
  /** JVM start plus handler construction; Lambda allows 10 s, a cold laptop JVM may need more. */
  static final long INIT_TIMEOUT_SECONDS = 60;

  private final FunctionSpec function;
  private final Process process;
  private final DataOutputStream in;
  private final DataInputStream out;
  private final ExecutorService reader;

  /** What came back: a result, the handler's error, a timeout, or the environment failing to start. */
  record Outcome(Kind kind, String text) {
    enum Kind { RESULT, HANDLER_ERROR, INIT_ERROR, TIMEOUT, CRASHED }

    boolean succeeded() {
      return kind == Kind.RESULT;
    }
  }

  private FunctionProcess(FunctionSpec function, Process process) {
    this.function = function;
    this.process = process;
    this.in = new DataOutputStream(new BufferedOutputStream(process.getOutputStream()));
    this.out = new DataInputStream(new BufferedInputStream(process.getInputStream()));
    this.reader = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, function.logicalId() + "-reader");
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Starts the process and waits until the handler was built. An init error comes back as the
   * outcome (the process is gone then); otherwise the process is ready for {@link #invoke}.
   */
  static Startup start(FunctionSpec function, Map<String, String> environment, Path workingDirectory) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    // the Lambda Java runtimes' own choices: C1 only (fast start), serial GC
    command.add("-XX:+TieredCompilation");
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-XX:+UseSerialGC");
    command.add("-Xshare:auto");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(HandlerWorker.class.getName());
    command.add(function.handler());
    command.add(function.logicalId());
    command.add(Integer.toString(function.memoryMb()));
    command.add(Integer.toString(function.timeoutSeconds()));

    ProcessBuilder builder = new ProcessBuilder(command)
        .directory(workingDirectory.toFile())
        .redirectError(ProcessBuilder.Redirect.INHERIT);
    builder.environment().clear();
    builder.environment().putAll(environment);
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new IllegalStateException("cannot start a JVM for " + function.logicalId() + ": " + e.getMessage(), e);
    }
    FunctionProcess fp = new FunctionProcess(function, process);
    Outcome first = fp.next(INIT_TIMEOUT_SECONDS);
    if (first.kind() == Outcome.Kind.RESULT) { // READY
      return new Startup(Optional.of(fp), first);
    }
    fp.close();
    return new Startup(Optional.empty(), first.kind() == Outcome.Kind.HANDLER_ERROR
        ? new Outcome(Outcome.Kind.INIT_ERROR, first.text()) : first);
  }

  /** A started process, or why it could not start. */
  record Startup(Optional<FunctionProcess> process, Outcome outcome) {}

  /** One invocation; after a timeout or a crash this process is finished and must be closed. */
  Outcome invoke(String requestId, String eventJson) {
    try {
      Frames.write(in, Frames.INVOKE, requestId + "\n" + eventJson);
    } catch (IOException e) {
      return new Outcome(Outcome.Kind.CRASHED, function.logicalId() + "'s process has exited");
    }
    return next(function.timeoutSeconds());
  }

  boolean alive() {
    return process.isAlive();
  }

  FunctionSpec function() {
    return function;
  }

  private Outcome next(long timeoutSeconds) {
    Future<Optional<Frames.Frame>> frame = reader.submit(() -> Frames.read(out));
    try {
      Optional<Frames.Frame> f = frame.get(timeoutSeconds, TimeUnit.SECONDS);
      if (f.isEmpty()) {
        return new Outcome(Outcome.Kind.CRASHED, function.logicalId() + "'s process exited"
            + exitCode().map(c -> " with code " + c).orElse(""));
      }
      return switch (f.get().kind()) {
        case Frames.READY, Frames.RESULT -> new Outcome(Outcome.Kind.RESULT, f.get().text());
        case Frames.HANDLER_ERROR -> new Outcome(Outcome.Kind.HANDLER_ERROR, f.get().text());
        case Frames.INIT_ERROR -> new Outcome(Outcome.Kind.INIT_ERROR, f.get().text());
        default -> new Outcome(Outcome.Kind.CRASHED, "unexpected frame from " + function.logicalId());
      };
    } catch (TimeoutException e) {
      frame.cancel(true);
      process.destroyForcibly(); // as Lambda does: a timed-out environment is not reused
      close();
      return new Outcome(Outcome.Kind.TIMEOUT, "Task timed out after " + timeoutSeconds + " seconds");
    } catch (ExecutionException e) {
      return new Outcome(Outcome.Kind.CRASHED, function.logicalId() + "'s process failed: "
          + e.getCause().getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      close();
      return new Outcome(Outcome.Kind.CRASHED, "interrupted");
    }
  }

  private Optional<Integer> exitCode() {
    try {
      return process.waitFor(2, TimeUnit.SECONDS) ? Optional.of(process.exitValue()) : Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  /** Ends the process: stdin closed (it exits by itself), then terminated, then killed. */
  @Override
  public void close() {
    try {
      in.close();
    } catch (IOException ignored) {
      // already gone
    }
    try {
      if (!process.waitFor(2, TimeUnit.SECONDS)) {
        process.destroy();
        if (!process.waitFor(3, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor(3, TimeUnit.SECONDS);
        }
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    reader.shutdownNow();
  }
}
