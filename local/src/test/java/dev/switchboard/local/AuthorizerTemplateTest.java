package dev.switchboard.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The authorizer switch as the SAM transform (samtranslator, what CloudFormation runs) makes
 * it: the API's body keeps the one conditional scheme and every route's security, the Lambda
 * authorizer's URI names the function's live alias, and everything of the authorizer function
 * exists in lambda mode only (SamTransform: skipped where samtranslator is missing, never in CI).
 */
class AuthorizerTemplateTest {
  private static JsonNode resources;

  @BeforeAll
  static void transform() {
    resources = SamTransform.with(Map.of()).resources();
  }

  @Test
  void theApiBody_keepsTheConditionalScheme_andEveryRoutesSecurity_butTheWebhooks() {
    JsonNode body = resources.path("HttpApi").path("Properties").path("Body");
    JsonNode scheme = body.path("components").path("securitySchemes").path("ApiAuthorizer").path("Fn::If");
    assertEquals("UseLambdaAuthorizer", scheme.get(0).asText());
    assertEquals("request", scheme.get(1).path("x-amazon-apigateway-authorizer").path("type").asText());
    assertEquals("arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/"
            + "${AuthorizerFunctionAliaslive}/invocations",
        scheme.get(1).path("x-amazon-apigateway-authorizer").path("authorizerUri").path("Fn::Sub").asText());
    assertEquals("jwt", scheme.get(2).path("x-amazon-apigateway-authorizer").path("type").asText());

    List<String> unguarded = new ArrayList<>();
    int routes = 0;
    for (var path : body.path("paths").properties()) {
      for (var method : path.getValue().properties()) {
        JsonNode operation = method.getValue();
        assertTrue(operation.has("x-amazon-apigateway-integration"), path.getKey() + " " + method.getKey()
            + ": every route of the body is a function's");
        routes++;
        if (!operation.path("security").toString().equals("[{\"ApiAuthorizer\":[]}]")) {
          unguarded.add(method.getKey().toUpperCase() + " " + path.getKey());
        }
      }
    }
    assertEquals(7, routes);
    assertEquals(List.of("POST /webhooks/stripe"), unguarded);
  }

  @Test
  void theAuthorizerFunction_itsAliasRoleLogsAndInvokePermission_existInLambdaModeOnly() {
    List<String> authorizer = new ArrayList<>();
    resources.properties().forEach(r -> {
      if (r.getKey().startsWith("Authorizer")) {
        authorizer.add(r.getKey());
        assertEquals("UseLambdaAuthorizer", r.getValue().path("Condition").asText(), r.getKey());
      }
    });
    assertTrue(authorizer.containsAll(List.of("AuthorizerFunction", "AuthorizerFunctionRole", "AuthorizerFunctionAliaslive",
        "AuthorizerInvokePermission", "AuthorizerLogGroup")), authorizer.toString());
    JsonNode permission = resources.path("AuthorizerInvokePermission").path("Properties");
    assertEquals("AuthorizerFunctionAliaslive", permission.path("FunctionName").path("Ref").asText());
    assertEquals("apigateway.amazonaws.com", permission.path("Principal").asText());
    assertTrue(permission.path("SourceArn").path("Fn::Sub").asText().endsWith(":${HttpApi}/authorizers/*"));
    JsonNode function = resources.path("AuthorizerFunction").path("Properties");
    assertEquals("{\"Ref\":\"AWS::NoValue\"}", function.path("VpcConfig").toString(), "outside the VPC");
    assertTrue(function.path("SnapStart").path("ApplyOn").asText().equals("PublishedVersions"));
  }
}
