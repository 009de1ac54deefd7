package dev.switchboard.bench.baseline.metrics;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.switchboard.bench.baseline.bare.BareSqlHandler;
import dev.switchboard.log.Metric;
import dev.switchboard.log.Metrics;
import java.sql.SQLException;
import java.util.EnumMap;
import java.util.Map;

/**
 * Cold-start candidate (a) for business metrics: the bare SQL handler, then the metrics a top-up
 * emits (a provider call's latency and error, by provider and operation; a credit's count and
 * pence) through shared's {@link Metrics}, the embedded metric format written by our own logger.
 */
public final class EmfLogHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {
  private final BareSqlHandler sql;

  public EmfLogHandler() throws SQLException {
    this.sql = new BareSqlHandler();
  }

  @Override
  public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
    long started = System.nanoTime();
    APIGatewayV2HTTPResponse answer = sql.handleRequest(event, context);
    Metrics.providerCall("stripe", "checkout.sessions.create", started, false);
    Map<Metric, Long> credit = new EnumMap<>(Metric.class);
    credit.put(Metric.TOP_UPS_CREDITED, 1L);
    credit.put(Metric.TOP_UP_PENCE_CREDITED, 5_000L);
    Metrics.emit(credit);
    return answer;
  }
}
