package dev.switchboard.bench.baseline.metrics;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.switchboard.bench.baseline.bare.BareSqlHandler;
import java.sql.SQLException;
import software.amazon.lambda.powertools.metrics.Metrics;
import software.amazon.lambda.powertools.metrics.MetricsFactory;
import software.amazon.lambda.powertools.metrics.model.DimensionSet;
import software.amazon.lambda.powertools.metrics.model.MetricUnit;

/**
 * Cold-start candidate (b): the same handler and the same metrics through Powertools for AWS
 * Lambda (Java)'s metrics module, its functional API (no AspectJ weaving, which this project
 * avoids): the metrics instance built at init, as its documentation shows, one flush per record.
 */
public final class PowertoolsMetricsHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {
  private final BareSqlHandler sql;
  private final Metrics metrics;

  public PowertoolsMetricsHandler() throws SQLException {
    this.sql = new BareSqlHandler();
    this.metrics = MetricsFactory.getMetricsInstance();
    this.metrics.setNamespace("Switchboard/bench");
  }

  @Override
  public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
    long started = System.nanoTime();
    APIGatewayV2HTTPResponse answer = sql.handleRequest(event, context);
    metrics.addDimension(DimensionSet.of("Provider", "stripe", "Operation", "checkout.sessions.create"));
    metrics.addMetric("ProviderLatency", (System.nanoTime() - started) / 1_000_000.0, MetricUnit.MILLISECONDS);
    metrics.addMetric("ProviderErrors", 0, MetricUnit.COUNT);
    metrics.flush();
    metrics.addMetric("TopUpsCredited", 1, MetricUnit.COUNT);
    metrics.addMetric("TopUpPenceCredited", 5_000, MetricUnit.NONE);
    metrics.flush();
    return answer;
  }
}
