package dev.switchboard.deploy;

import com.amazonaws.services.lambda.runtime.Context;
import dev.switchboard.log.Log;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import software.amazon.lambda.powertools.cloudformation.Response;

/**
 * Runs a custom resource's work so that CloudFormation always gets an answer: the work's own
 * Response, or FAILED with a reason when it throws or when the function's time is nearly up.
 * A custom resource that never answers leaves its stack waiting for an hour.
 *
 * <p>The work runs on a worker thread and is given the function's remaining time minus
 * {@link #ANSWER_MARGIN}, which is kept for sending the answer to the pre-signed URL. It is
 * handed a flag that turns true once the answer has gone without it, so work that was only
 * slow, not dead, stops and undoes what it made instead of leaving it behind.
 */
public final class AnswerInTime implements AutoCloseable {
  public static final Duration ANSWER_MARGIN = Duration.ofSeconds(5);
  private static final Log LOG = Log.of(AnswerInTime.class);

  private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "custom-resource-work");
    t.setDaemon(true);
    return t;
  });

  /**
   * @param physicalId what FAILED keeps as the physical id (CloudFormation requires one)
   * @param reasonOf   turns a failure into a reason that carries no secret
   */
  public Response run(Context context, String physicalId, Function<BooleanSupplier, Response> work,
               Function<Throwable, String> reasonOf) {
    // the work's lines (on the worker thread too) and ours carry the invocation's request id
    String requestId = context.getAwsRequestId();
    return Log.inRequest(requestId, () -> runInTime(context, requestId, physicalId, work, reasonOf));
  }

  private Response runInTime(Context context, String requestId, String physicalId,
                             Function<BooleanSupplier, Response> work, Function<Throwable, String> reasonOf) {
    long budget = context.getRemainingTimeInMillis() - ANSWER_MARGIN.toMillis();
    if (budget <= 0) {
      return failed(physicalId, "the function had no time left to start the work");
    }
    AtomicBoolean givenUp = new AtomicBoolean();
    Future<Response> result = worker.submit(() -> Log.inRequest(requestId, () -> work.apply(givenUp::get)));
    try {
      return result.get(budget, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      givenUp.set(true);
      result.cancel(true);
      LOG.warn("custom_resource.timed_out", "budgetMs", budget);
      return failed(physicalId, "did not finish within the function's time limit ("
          + budget / 1000 + " s); see the function's log");
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      LOG.error("custom_resource.failed", cause);
      return failed(physicalId, reasonOf.apply(cause));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      givenUp.set(true);
      result.cancel(true);
      return failed(physicalId, "interrupted before the work finished");
    }
  }

  public static Response failed(String physicalId, String reason) {
    return Response.builder()
        .status(Response.Status.FAILED)
        .physicalResourceId(physicalId)
        .reason(reason)
        .build();
  }

  @Override
  public void close() {
    worker.shutdownNow();
  }
}
