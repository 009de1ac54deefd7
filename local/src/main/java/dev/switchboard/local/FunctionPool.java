package dev.switchboard.local;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Semaphore;

/**
 * The warm execution environments of one function, as Lambda keeps them: an invocation takes
 * an idle process or starts a new one (a cold start) up to a concurrency limit, and gives it
 * back afterwards unless it timed out or died. Concurrent requests therefore run in parallel
 * processes, never two at once in one handler instance.
 */
final class FunctionPool implements AutoCloseable {
  private final FunctionSpec function;
  private final Map<String, String> environment;
  private final Path workingDirectory;
  private final Semaphore slots;
  private final Deque<FunctionProcess> idle = new ArrayDeque<>();
  private final List<FunctionProcess> all = new ArrayList<>();
  private boolean closed;

  FunctionPool(FunctionSpec function, Map<String, String> environment, Path workingDirectory, int maxConcurrency) {
    this.function = function;
    this.environment = Map.copyOf(environment);
    this.workingDirectory = workingDirectory;
    this.slots = new Semaphore(maxConcurrency, true);
  }

  FunctionSpec function() {
    return function;
  }

  Map<String, String> environment() {
    return environment;
  }

  FunctionProcess.Outcome invoke(String requestId, String eventJson) {
    try {
      slots.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new FunctionProcess.Outcome(FunctionProcess.Outcome.Kind.CRASHED, "interrupted");
    }
    try {
      FunctionProcess process = takeIdle().orElse(null);
      if (process == null) {
        FunctionProcess.Startup startup = FunctionProcess.start(function, environment, workingDirectory);
        if (startup.process().isEmpty()) {
          return startup.outcome();
        }
        process = startup.process().get();
        if (!register(process)) {
          process.close();
          return new FunctionProcess.Outcome(FunctionProcess.Outcome.Kind.CRASHED, "shutting down");
        }
      }
      FunctionProcess.Outcome outcome = process.invoke(requestId, eventJson);
      boolean reusable = (outcome.kind() == FunctionProcess.Outcome.Kind.RESULT
          || outcome.kind() == FunctionProcess.Outcome.Kind.HANDLER_ERROR) && process.alive();
      if (reusable) {
        giveBack(process);
      } else {
        retire(process);
      }
      return outcome;
    } finally {
      slots.release();
    }
  }

  private synchronized Optional<FunctionProcess> takeIdle() {
    while (!idle.isEmpty()) {
      FunctionProcess p = idle.pop();
      if (p.alive()) {
        return Optional.of(p);
      }
      all.remove(p);
    }
    return Optional.empty();
  }

  private synchronized boolean register(FunctionProcess p) {
    if (closed) {
      return false;
    }
    all.add(p);
    return true;
  }

  private synchronized void giveBack(FunctionProcess p) {
    if (closed) {
      p.close();
    } else {
      idle.push(p);
    }
  }

  private synchronized void retire(FunctionProcess p) {
    all.remove(p);
    p.close();
  }

  /** Ends every process of this function. */
  @Override
  public void close() {
    List<FunctionProcess> toClose;
    synchronized (this) {
      closed = true;
      toClose = new ArrayList<>(all);
      all.clear();
      idle.clear();
    }
    toClose.forEach(FunctionProcess::close);
  }
}
