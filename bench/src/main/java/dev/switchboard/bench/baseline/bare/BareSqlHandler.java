package dev.switchboard.bench.baseline.bare;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;
import java.util.UUID;

/**
 * Cold-start baseline (a): the least a database-backed HTTP function can be. Lambda core,
 * the API Gateway event types and the PostgreSQL driver, one connection, one query for the
 * caller's organisation, a hand-written JSON answer. Its jar holds nothing else.
 */
public final class BareSqlHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {
  private final Connection connection;

  public BareSqlHandler() throws SQLException {
    this.connection = DriverManager.getConnection(System.getenv("DATABASE_URL"));
  }

  @Override
  public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
    String org = event.getRequestContext().getAuthorizer().getJwt().getClaims().get("org_id");
    try (PreparedStatement ps = connection.prepareStatement(
        "SELECT name, wallet_balance_pence FROM organizations WHERE id = ?")) {
      ps.setObject(1, UUID.fromString(org));
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return answer(404, "{\"error\":\"not_found\"}");
        }
        return answer(200, "{\"balancePence\":" + rs.getLong(2) + "}");
      }
    } catch (SQLException e) {
      return answer(500, "{\"error\":\"internal\"}");
    }
  }

  private static APIGatewayV2HTTPResponse answer(int status, String body) {
    return APIGatewayV2HTTPResponse.builder().withStatusCode(status)
        .withHeaders(Map.of("content-type", "application/json")).withBody(body).build();
  }
}
