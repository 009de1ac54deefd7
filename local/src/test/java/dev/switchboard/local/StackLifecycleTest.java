package dev.switchboard.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.CloudFormationCustomResourceEvent;
import com.amazonaws.services.lambda.runtime.serialization.events.LambdaEventSerializers;
import com.stripe.Stripe;
import dev.switchboard.config.SecretsManagerSource;
import dev.switchboard.config.Settings;
import dev.switchboard.function.migration.DatabaseMigrationHandler;
import dev.switchboard.function.wallet.WalletHandler;
import dev.switchboard.function.webhook.StripeWebhookHandler;
import dev.switchboard.function.webhookendpoint.StripeWebhookEndpointHandler;
import dev.switchboard.stripe.WebhookSecrets;
import dev.switchboard.testing.EmbeddedDatabase;
import dev.switchboard.testing.Events;
import dev.switchboard.testing.LambdaContext;
import dev.switchboard.testing.TestClock;
import dev.switchboard.testing.TestData;
import dev.switchboard.testing.fake.FakeCloudFormation;
import dev.switchboard.testing.fake.FakeSecretsManager;
import dev.switchboard.testing.fake.FakeStripe;
import dev.switchboard.testing.fake.FakeStripeEndpoint;
import dev.switchboard.testing.stripe.StripeEvents;
import dev.switchboard.testing.stripe.StripeSignatures;
import dev.switchboard.wiring.Platform;
import dev.switchboard.wiring.SnapStartHooks;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * template.yaml deployed as CloudFormation would: resources in the order of the SAM transform's
 * output (the local runner's model resolves their properties), secrets created as declared (the signing secret
 * empty), every SnapStart function published (constructor and beforeCheckpoint) and restored
 * (afterRestore) before it serves, the custom resources driven by real CloudFormation events
 * through FakeStripe, FakeSecretsManager (behind the real AWS SDK) and FakeCloudFormation.
 *
 * <p>The story: Create, a top-up credited, an Update that replaces the endpoint while old-signed
 * deliveries are retried, a rotation of the database password and the Stripe key, an Update
 * that fails and rolls back, Delete. After each step: every custom resource answered (no stack
 * hangs), every delivery credited exactly once, and no endpoint for the stack's URL at Stripe
 * that the stack does not own.
 */
class StackLifecycleTest {
  private static final Path TEMPLATE = Path.of("template.yaml");
  private static final UUID ORG = Events.ORG;
  private static final String STACK_ID =
      "arn:aws:cloudformation:eu-west-2:123456789012:stack/switchboard-lifecycle/9c0ffee0-cf00-11f0-8000-0a1b2c3d4e5f";
  private static final String OTHER_STACK_ID =
      "arn:aws:cloudformation:eu-west-2:123456789012:stack/switchboard-blue/1b1e0000-cf00-11f0-8000-0a1b2c3d4e5f";
  private static final String API_ID = "k3x9q2w7zd";
  private static final String WEBHOOK_URL = "https://" + API_ID + ".execute-api.eu-west-2.amazonaws.com/webhooks/stripe";
  private static final Map<String, String> SDK_PROPERTIES = Map.of(
      "aws.region", "eu-west-2",
      "aws.accessKeyId", "fake-access-key-for-lifecycle",
      "aws.secretAccessKey", "fake-secret-access-key-for-lifecycle");

  private final TemplateModel template = TemplateModel.load(TEMPLATE);
  private final TestClock clock = new TestClock(Instant.now());
  private final FakeStripe stripe = new FakeStripe();
  private final FakeSecretsManager secretsManager = new FakeSecretsManager();
  private final FakeCloudFormation cloudFormation = new FakeCloudFormation();
  private final TestData db = new TestData(EmbeddedDatabase.shared().freshDatabase());
  private final Map<String, String> previousProperties = new HashMap<>();
  private final Map<String, String> parameters = new LinkedHashMap<>();
  private final Map<String, String> deployed = new LinkedHashMap<>();
  /** What the custom resources answered, by logical id: their physical id and properties. */
  private final Map<String, String> physicalIds = new HashMap<>();
  private final Map<String, Map<String, Object>> appliedProperties = new HashMap<>();
  /** The published version of each SnapStart function (its handler, as the snapshot holds it). */
  private final Map<String, Object> published = new HashMap<>();
  /** Stripe's deliveries not yet answered 2xx: retried until their endpoint is deleted. */
  private final Deque<Delivery> pending = new ArrayDeque<>();
  private final Set<String> sentEventIds = new LinkedHashSet<>();
  private final Map<String, StripeEvents.TopUp> payments = new HashMap<>();
  private long expectedBalance;
  private int versions = 1;

  private record Delivery(String endpointId, String eventId, String body) {}

  @AfterEach
  void tearDown() {
    previousProperties.forEach((name, value) -> {
      if (value == null) {
        System.clearProperty(name);
      } else {
        System.setProperty(name, value);
      }
    });
    stripe.close();
    secretsManager.close();
    cloudFormation.close();
    db.close();
  }

  @Test
  void create_topUp_replaceEndpoint_rotate_failedUpdateRollsBack_delete() {
    setUpAccount();

    // ---- Create
    List<String> order = creationOrder();
    assertBefore(order, "StripeWebhookSigningSecret", "StripeWebhookEndpoint");
    assertBefore(order, "StripeWebhookFunction", "StripeWebhookEndpoint");
    assertBefore(order, "DatabaseMigration", "StripeWebhookEndpoint");
    assertBefore(order, "StripeWebhookEndpointFunction", "StripeWebhookEndpoint");
    for (String id : order) {
      create(id);
    }
    String first = physicalIds.get("StripeWebhookEndpoint");
    assertStripeHoldsOnlyOurs(first);
    assertEquals(stripe.secretOf(first).orElseThrow(), currentKey());

    // ---- a top-up, paid: Stripe delivers to the endpoint, the wallet is credited once
    restore("WalletFunction");
    restore("StripeWebhookFunction");
    assertEquals(201, topUp("lifecycle-1"));
    stripeSends(5000);
    deliverPending();
    assertCreditedOnce();

    // ---- Update: a new stripe-java (the endpoint's API version lags), new function versions
    stripe.setApiVersionOf(first, "2024-06-20");
    // a payment whose delivery to the old endpoint failed: rendered in its version, awaiting a retry
    String stranded = stripeSendsOnlyQueued(first, 700);
    Map<String, Object> answer = update("StripeWebhookEndpoint");
    assertEquals("SUCCESS", answer.get("Status"), String.valueOf(answer));
    String second = physicalIds.get("StripeWebhookEndpoint");
    assertNotEquals(first, second, "replaced: a new physical id");
    assertTrue(stripe.endpoint(first).isPresent(), "the old one is CloudFormation's to delete");
    assertTrue(stripe.endpoint(first).orElseThrow().disabled(), "disabled once the new key is stored");
    stripeSends(1200); // only the new endpoint receives it now: one credit
    deliverPending();
    // Stripe retries nothing to a disabled endpoint: the operator resends the stranded event to the
    // new one (docs/deploy.md), which renders it in its own version; it is credited once
    assertEquals(expectedBalance - 700, db.balance(ORG), "the stranded payment is not credited by itself");
    resend(stranded, second);
    deliverPending();
    assertCreditedOnce();
    cleanUpReplaced("StripeWebhookEndpoint", first);
    assertStripeHoldsOnlyOurs(second);
    assertEquals(Stripe.API_VERSION, stripe.endpoint(second).orElseThrow().apiVersion());
    assertEquals(stripe.secretOf(second).orElseThrow(), currentKey());

    // ---- rotation: the database password (a new login) and the Stripe key, under the snapshot
    String rolledKey = "sk_test_rolled_" + UUID.randomUUID().toString().replace("-", "");
    secretsManager.put("switchboard/stripe-api-key", rolledKey);
    stripe.rollApiKey(rolledKey);
    secretsManager.put("switchboard/database-url", db.jdbcUrl());
    db.update("ALTER ROLE " + parameters.get("role") + " NOLOGIN");
    restore("WalletFunction");
    restore("StripeWebhookFunction");
    assertEquals(201, topUp("lifecycle-2"));
    stripeSends(3000);
    deliverPending();
    assertCreditedOnce();

    // ---- an Update that fails after the endpoint was replaced: CloudFormation rolls back
    stripe.setApiVersionOf(second, "2024-06-20");
    Map<String, Object> failing = update("StripeWebhookEndpoint");
    assertEquals("SUCCESS", failing.get("Status"));
    String third = physicalIds.get("StripeWebhookEndpoint");
    stripeSends(400); // reaches both while the update is in progress
    deliverPending();
    rollBackReplacement("StripeWebhookEndpoint", second, third);
    assertStripeHoldsOnlyOurs(second);
    assertEquals(stripe.secretOf(second).orElseThrow(), currentKey(), "the surviving endpoint's key is current");
    stripeSends(900);
    deliverPending();
    assertCreditedOnce();

    // ---- Delete: custom resources in reverse creation order
    List<String> reverse = new ArrayList<>(order);
    java.util.Collections.reverse(reverse);
    for (String id : reverse) {
      delete(id);
    }
    assertTrue(endpointsForOurUrl().isEmpty(), "nothing left at Stripe for the stack's URL");
    assertEquals(1, stripe.endpoints().size(), "another stack's endpoint is untouched");
    assertTrue(pending.isEmpty(), "no delivery left unanswered");
  }

  /**
   * Delete while Stripe is down (or the key revoked): the registrar answers SUCCESS, so the
   * stack is deleted instead of ending DELETE_FAILED, and the endpoint it could not remove is
   * left at Stripe (logged stripe.webhook_endpoint.left_behind) for the cleanup docs/deploy.md gives.
   */
  @Test
  void deleteWithStripeDown_deletesTheStack_andLeavesTheEndpointToCleanUp() {
    setUpAccount();
    List<String> order = creationOrder();
    for (String id : order) {
      create(id);
    }
    String endpoint = physicalIds.get("StripeWebhookEndpoint");
    for (String route : List.of(FakeStripe.GET_ENDPOINT, FakeStripe.DELETE_ENDPOINT, FakeStripe.LIST_ENDPOINTS,
        FakeStripe.UPDATE_ENDPOINT)) {
      stripe.failAlways(route, dev.switchboard.testing.fake.Fault.status(503));
    }
    List<String> reverse = new ArrayList<>(order);
    java.util.Collections.reverse(reverse);
    for (String id : reverse) {
      delete(id);
    }
    stripe.heal();
    assertStripeHoldsOnlyOurs(endpoint);
  }

  // ------------------------------------------------------------------ the account before the stack

  private void setUpAccount() {
    setProperty("aws.endpointUrlSecretsManager", secretsManager.baseUrl());
    SDK_PROPERTIES.forEach(this::setProperty);
    // the operator's secrets, made before the first deploy (docs/deploy.md)
    String role = "lifecycle_" + UUID.randomUUID().toString().substring(0, 8);
    db.update("CREATE ROLE " + role + " LOGIN SUPERUSER");
    db.org().id(ORG).named("Lifecycle org").create();
    parameters.put("role", role);
    Map<String, String> given = new LinkedHashMap<>();
    given.put("DatabaseUrlSecretArn", secretsManager.put("switchboard/database-url",
        db.jdbcUrl().replace("user=postgres", "user=" + role)));
    given.put("StripeApiKeySecretArn", secretsManager.put("switchboard/stripe-api-key", FakeStripe.DEFAULT_API_KEY));
    given.put("TwilioAuthTokenSecretArn", secretsManager.put("switchboard/twilio-token", "twilio-token-not-used"));
    given.put("VapiApiKeySecretArn", secretsManager.put("switchboard/vapi-key", "vapi-key-not-used"));
    given.put("EncryptionKeySecretArn", secretsManager.put("switchboard/encryption-key", "00".repeat(32)));
    given.put("Stage", "staging");
    given.put("TopUpSuccessUrl", "https://app.example.com/wallet?topup=success");
    given.put("TopUpCancelUrl", "https://app.example.com/wallet?topup=cancelled");
    template.parameterDefaults().forEach((name, value) -> {
      if (value == null && !given.containsKey(name)) {
        given.put(name, "not-used-by-this-test");
      }
    });
    given.keySet().removeIf(name -> !template.parameterDefaults().containsKey(name));
    parameters.putAll(given);
    // a blue/green neighbour on the same Stripe account, at another URL
    stripe.plantEndpoint("https://blue.example.com/webhooks/stripe", List.of("checkout.session.completed"),
        Map.of("stack_id", OTHER_STACK_ID, "logical_resource_id", "StripeWebhookEndpoint"));
  }

  private void setProperty(String name, String value) {
    previousProperties.putIfAbsent(name, System.getProperty(name));
    System.setProperty(name, value);
  }

  private Intrinsics intrinsics() {
    Map<String, String> templateParameters = new LinkedHashMap<>(parameters);
    templateParameters.remove("role");
    return template.intrinsics(templateParameters, Map.of("AWS::Region", "eu-west-2",
        "AWS::StackId", STACK_ID, "AWS::StackName", "switchboard-lifecycle")).withDeployed(deployed);
  }

  // ------------------------------------------------------------------ CloudFormation's order

  /** Kahn's algorithm over DependsOn, Ref, GetAtt and Sub; ties in template order. */
  /**
   * The order CloudFormation creates the stack's own resources in: the SAM transform's output of
   * template.yaml with this stack's parameters (each resource after what it refers to or
   * DependsOn), those its conditions leave out dropped. SAM's own resources (versions, aliases,
   * roles, permissions) are made with their function here.
   */
  private List<String> creationOrder() {
    Intrinsics in = intrinsics();
    Map<String, String> given = new LinkedHashMap<>(parameters);
    given.remove("role");
    SamTransform.Transformed stack = SamTransform.transform(DeployFingerprintTest.throughDeploy(given), Map.of());
    return stack.creationOrder().stream()
        .filter(template.resources()::containsKey)
        .filter(id -> {
          String condition = stack.resource(id).path("Condition").asText(null);
          return condition == null || in.condition(condition);
        })
        .toList();
  }

  private static void assertBefore(List<String> order, String first, String then) {
    assertTrue(order.indexOf(first) >= 0 && order.indexOf(first) < order.indexOf(then), first + " before " + then);
  }

  // ------------------------------------------------------------------ resources

  private void create(String id) {
    Map<String, Object> resource = map(template.resources().get(id));
    String type = String.valueOf(resource.get("Type"));
    switch (type) {
      case "AWS::SecretsManager::Secret" -> {
        Map<String, Object> properties = map(resource.get("Properties"));
        // created as declared: no value unless the template gives one
        assertFalse(properties.containsKey("SecretString") || properties.containsKey("GenerateSecretString"));
        deployed.put(id, secretsManager.create(id + "-" + UUID.randomUUID().toString().substring(0, 6)));
      }
      case "AWS::Serverless::Function" -> {
        deployed.put(id + ".Arn", "arn:aws:lambda:eu-west-2:123456789012:function:switchboard-lifecycle-" + id);
        deployed.put(id, "switchboard-lifecycle-" + id);
        deployed.put(id + ".Version", Integer.toString(versions));
        publishIfSnapStart(id);
      }
      case "AWS::Serverless::HttpApi" -> deployed.put(id, API_ID);
      default -> {
        if (type.equals("Custom::DeployGuard")) {
          Map<String, Object> answer = guard("Create");
          assertEquals("SUCCESS", answer.get("Status"), id + ": " + answer);
        } else if (type.startsWith("Custom::")) {
          Map<String, Object> answer = invoke(id, "Create", null, null);
          assertEquals("SUCCESS", answer.get("Status"), id + ": " + answer);
        } else {
          deployed.putIfAbsent(id, id + "-physical");
        }
      }
    }
  }

  /** A new code version of every function, then the custom resource's Update. */
  private Map<String, Object> update(String customResource) {
    versions++;
    for (String id : creationOrder()) {
      if ("AWS::Serverless::Function".equals(map(template.resources().get(id)).get("Type"))) {
        deployed.put(id + ".Version", Integer.toString(versions));
        publishIfSnapStart(id);
      }
    }
    restore("StripeWebhookFunction");
    restore("WalletFunction");
    return invoke(customResource, "Update", physicalIds.get(customResource), appliedProperties.get(customResource));
  }

  /** The update succeeded: CloudFormation deletes the replaced physical id (old properties). */
  private void cleanUpReplaced(String id, String replaced) {
    Map<String, Object> answer = invoke(id, "Delete", replaced, null);
    assertEquals("SUCCESS", answer.get("Status"), String.valueOf(answer));
    droppedWithTheirEndpoint();
  }

  /** A later resource failed: CloudFormation deletes the new physical id and keeps the old one. */
  private void rollBackReplacement(String id, String kept, String replacement) {
    Map<String, Object> answer = invoke(id, "Delete", replacement, null);
    assertEquals("SUCCESS", answer.get("Status"), String.valueOf(answer));
    physicalIds.put(id, kept);
    droppedWithTheirEndpoint();
  }

  private void delete(String id) {
    String type = String.valueOf(map(template.resources().get(id)).get("Type"));
    if (type.equals("Custom::DeployGuard")) {
      assertEquals("SUCCESS", guard("Delete").get("Status"));
    } else if (type.startsWith("Custom::")) {
      Map<String, Object> answer = invoke(id, "Delete", physicalIds.get(id), null);
      assertEquals("SUCCESS", answer.get("Status"), id + ": " + answer);
      droppedWithTheirEndpoint();
    }
  }

  /** DeployGuard's own code on the parameters ./deploy gives (the stack's, with their fingerprint). */
  private Map<String, Object> guard(String requestType) {
    Map<String, String> given = new LinkedHashMap<>(parameters);
    given.remove("role");
    Map<String, String> deployedWith = DeployFingerprintTest.throughDeploy(given);
    return DeployGuardRun.answer(SamTransform.transform(deployedWith, Map.of()), deployedWith, requestType, cloudFormation);
  }

  /** One custom resource request, as CloudFormation sends it; its one answer, which must come. */
  private Map<String, Object> invoke(String id, String requestType, String physicalId, Map<String, Object> old) {
    Map<String, Object> resource = map(template.resources().get(id));
    @SuppressWarnings("unchecked")
    Map<String, Object> properties = (Map<String, Object>) stringsOnly(intrinsics().resolve(resource.get("Properties")));
    assertTrue(properties.containsKey("ServiceTimeout"), id + ": without ServiceTimeout a dead function hangs the stack an hour");
    String serviceToken = String.valueOf(properties.get("ServiceToken"));
    String function = serviceToken.substring(serviceToken.lastIndexOf("switchboard-lifecycle-") + "switchboard-lifecycle-".length());
    assertTrue(Integer.parseInt(String.valueOf(properties.get("ServiceTimeout")))
        > template.function(function).orElseThrow().timeoutSeconds(), id + ": ServiceTimeout outlasts the function");

    CloudFormationCustomResourceEvent event =
        event(CloudFormationCustomResourceEvent.class, "events/cfn-stripe-webhook-endpoint-create.json");
    event.setRequestType(requestType);
    event.setRequestId(UUID.randomUUID().toString());
    event.setStackId(STACK_ID);
    event.setLogicalResourceId(id);
    event.setResourceType(String.valueOf(resource.get("Type")));
    event.setServiceToken(serviceToken);
    event.setResponseUrl(cloudFormation.responseUrl());
    event.setResourceProperties(properties);
    event.setOldResourceProperties(old);
    event.setPhysicalResourceId(physicalId);

    cloudFormation.clearJournal();
    Map<String, String> env = environment(function);
    LambdaContext context = new LambdaContext(function, Duration.ofSeconds(template.function(function).orElseThrow().timeoutSeconds()));
    switch (function) {
      case "StripeWebhookEndpointFunction" -> new StripeWebhookEndpointHandler(settings(env)).handleRequest(event, context);
      case "DatabaseMigrationFunction" -> new DatabaseMigrationHandler(settings(env)).handleRequest(event, context);
      default -> throw new AssertionError("no handler for " + function);
    }
    Map<String, Object> answer = cloudFormation.onlyAnswer();
    if ("SUCCESS".equals(answer.get("Status")) && !"Delete".equals(requestType)) {
      physicalIds.put(id, String.valueOf(answer.get("PhysicalResourceId")));
      appliedProperties.put(id, properties);
    }
    return answer;
  }

  /** CloudFormation sends every scalar property as a string. */
  private static Object stringsOnly(Object value) {
    if (value instanceof Map<?, ?> m) {
      Map<String, Object> out = new LinkedHashMap<>();
      m.forEach((k, v) -> out.put(String.valueOf(k), stringsOnly(v)));
      return out;
    }
    if (value instanceof List<?> l) {
      return l.stream().map(StackLifecycleTest::stringsOnly).toList();
    }
    return value == null ? null : String.valueOf(value);
  }

  // ------------------------------------------------------------------ functions and SnapStart

  private Map<String, String> environment(String function) {
    FunctionSpec spec = template.function(function).orElseThrow();
    TemplateModel.ResolvedEnvironment resolved = TemplateModel.environment(spec, intrinsics());
    Map<String, String> env = new LinkedHashMap<>(resolved.values());
    // where the fakes are, as an operator's account has the real services
    env.put("STRIPE_API_BASE_URL", stripe.baseUrl());
    env.put("PROVIDER_READ_TIMEOUT_MS", "2000");
    env.put("CUSTOM_RESOURCE_LOOPBACK_RESPONSE", "allow"); // FakeCloudFormation listens on a loopback address
    return env;
  }

  private Settings settings(Map<String, String> env) {
    return new Settings(env, () -> SecretsManagerSource.create(), clock);
  }

  /** Publishing a version with SnapStart runs the constructor and beforeCheckpoint, then snapshots. */
  private void publishIfSnapStart(String function) {
    Map<String, Object> snapStart = map(template.functionProperties(function).get("SnapStart"));
    if (!"PublishedVersions".equals(String.valueOf(intrinsics().resolve(snapStart.get("ApplyOn"))))) {
      return;
    }
    Settings settings = settings(environment(function));
    long before = signingSecretReads();
    Object handler = switch (function) {
      case "StripeWebhookFunction" -> new StripeWebhookHandler(Platform.from(settings), clock);
      case "WalletFunction" -> new WalletHandler(Platform.from(settings));
      default -> null; // the others need no value this stack makes (covered by their own tests)
    };
    assertEquals(before, signingSecretReads(), function + " read the signing secret in its constructor");
    if (handler != null) {
      before = signingSecretReads();
      hooks(handler).beforeCheckpoint(null);
      // on a first deploy the signing secret has no value yet: initialisation must not need it
      assertEquals(before, signingSecretReads(), function + " read the signing secret while being published");
      published.put(function, handler);
    }
  }

  /** A new execution environment restored from the published snapshot: afterRestore, then it serves. */
  private void restore(String function) {
    hooks(published.get(function)).afterRestore(null);
  }

  private static SnapStartHooks hooks(Object handler) {
    if (handler instanceof StripeWebhookHandler h) {
      return h.snapStart();
    }
    return ((WalletHandler) handler).snapStart();
  }

  // ------------------------------------------------------------------ Stripe's side

  private int topUp(String idempotencyKey) {
    APIGatewayV2HTTPEvent event = event(APIGatewayV2HTTPEvent.class, "events/wallet-top-up.json");
    event.getHeaders().put("idempotency-key", idempotencyKey);
    return ((WalletHandler) published.get("WalletFunction")).handleRequest(event, null).getStatusCode();
  }

  /**
   * A paid top-up: Stripe sends the event to every enabled endpoint for our URL, each copy
   * rendered in that endpoint's API version.
   */
  private void stripeSends(long pence) {
    String eventId = paid(pence);
    endpointsForOurUrl().stream().filter(e -> !e.disabled())
        .forEach(e -> pending.add(new Delivery(e.id(), eventId, render(eventId, e.id()))));
  }

  /** An event the endpoint's first attempt failed to deliver: queued at that endpoint only. */
  private String stripeSendsOnlyQueued(String endpointId, long pence) {
    String eventId = paid(pence);
    pending.add(new Delivery(endpointId, eventId, render(eventId, endpointId)));
    return eventId;
  }

  /** The Dashboard's "resend" of an event to one endpoint, rendered in that endpoint's version. */
  private void resend(String eventId, String endpointId) {
    pending.add(new Delivery(endpointId, eventId, render(eventId, endpointId)));
  }

  /** A new paid top-up of {@code pence}; its event id. */
  private String paid(long pence) {
    String eventId = StripeEvents.id("evt");
    StripeEvents.TopUp paid = StripeEvents.topUp(ORG, pence);
    stripe.plantCustomer(paid.customerId()); // Stripe names a customer it holds; the next top-up sends it
    payments.put(eventId, paid);
    sentEventIds.add(eventId);
    expectedBalance += pence;
    return eventId;
  }

  private String render(String eventId, String endpointId) {
    String version = stripe.endpoint(endpointId).orElseThrow().apiVersion();
    return new StripeEvents(version, clock.instant()).checkoutSessionCompleted(eventId, payments.get(eventId));
  }

  /** Stripe's next attempt of everything pending, each signed now with its endpoint's key. */
  private void deliverPending() {
    clock.advance(Duration.ofMinutes(1));
    droppedWithTheirEndpoint();
    for (int i = pending.size(); i > 0; i--) {
      Delivery d = pending.poll();
      String key = stripe.secretOf(d.endpointId()).orElseThrow();
      APIGatewayV2HTTPEvent event = event(APIGatewayV2HTTPEvent.class, "events/stripe-webhook-checkout-session-completed.json");
      event.setBody(d.body());
      event.setIsBase64Encoded(false);
      event.getHeaders().remove("Stripe-Signature");
      event.getHeaders().put("stripe-signature", StripeSignatures.header(d.body(), key, clock.instant()));
      int status = ((StripeWebhookHandler) published.get("StripeWebhookFunction")).handleRequest(event, null).getStatusCode();
      if (status / 100 != 2) {
        pending.add(d);
      }
    }
    assertTrue(pending.isEmpty(), "every delivery answered 2xx: " + pending);
  }

  /** Stripe stops retrying an event for an endpoint that was deleted or disabled. */
  private void droppedWithTheirEndpoint() {
    pending.removeIf(d -> stripe.endpoint(d.endpointId()).map(FakeStripeEndpoint::disabled).orElse(true));
  }

  private long signingSecretReads() {
    String arn = deployed.get("StripeWebhookSigningSecret");
    return secretsManager.journal().stream()
        .filter(r -> String.valueOf(r.request().header("X-Amz-Target")).endsWith(FakeSecretsManager.GET_SECRET_VALUE))
        .filter(r -> arn != null && r.request().body().contains(arn))
        .count();
  }

  private List<FakeStripeEndpoint> endpointsForOurUrl() {
    return stripe.endpoints().stream().filter(e -> e.url().equals(WEBHOOK_URL)).toList();
  }

  private String currentKey() {
    return WebhookSecrets.parse(secretsManager.value(deployed.get("StripeWebhookSigningSecret")).orElseThrow()).current();
  }

  // ------------------------------------------------------------------ what must hold after each step

  private void assertStripeHoldsOnlyOurs(String endpointId) {
    assertEquals(List.of(endpointId), endpointsForOurUrl().stream().map(FakeStripeEndpoint::id).toList());
    assertEquals(STACK_ID, stripe.endpoint(endpointId).orElseThrow().metadata().get("stack_id"));
  }

  private void assertCreditedOnce() {
    assertEquals(expectedBalance, db.balance(ORG), "balance");
    assertEquals(expectedBalance, db.ledgerSum(ORG), "ledger");
    assertEquals(sentEventIds.size(), db.count("SELECT count(*) FROM stripe_webhook_events WHERE status = 'processed'"));
  }

  /** An events/ file read as the Lambda runtime reads an event. */
  private static <T> T event(Class<T> type, String file) {
    try (var in = java.nio.file.Files.newInputStream(Path.of(file))) {
      return LambdaEventSerializers.serializerFor(type, StackLifecycleTest.class.getClassLoader()).fromJson(in);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object value) {
    return value instanceof Map ? (Map<String, Object>) value : Map.of();
  }
}
