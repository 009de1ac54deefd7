package dev.switchboard.function.webhookendpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.CloudFormationCustomResourceEvent;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import com.stripe.Stripe;
import dev.switchboard.config.Settings;
import dev.switchboard.deploy.AnswerInTime;
import dev.switchboard.stripe.WebhookSecrets;
import dev.switchboard.testing.CustomResourceSettings;
import dev.switchboard.testing.LambdaContext;
import dev.switchboard.testing.fake.FakeCloudFormation;
import dev.switchboard.testing.fake.FakeSecretsManager;
import dev.switchboard.testing.fake.FakeStripe;
import dev.switchboard.testing.fake.FakeStripeEndpoint;
import dev.switchboard.testing.fake.Fault;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The custom resource as CloudFormation drives it: the events/ files, the real stripe-java
 * and AWS SDK clients against FakeStripe and FakeSecretsManager, and the answer read where
 * CloudFormation would read it (FakeCloudFormation at the ResponseURL).
 */
class StripeWebhookEndpointHandlerTest {
  private static final String STACK_ID =
      "arn:aws:cloudformation:eu-west-2:123456789012:stack/switchboard-staging/6a1f3c20-cb7e-11f0-9b1e-0a5e3c7d2f11";
  private static final String OTHER_STACK_ID =
      "arn:aws:cloudformation:eu-west-2:123456789012:stack/switchboard-green/0b7e2f10-cc01-11f0-8a2d-06c1e7d2a913";
  private static final String API_URL = "https://k3x9q2w7zd.execute-api.eu-west-2.amazonaws.com/webhooks/stripe";
  private static final String DOMAIN_URL = "https://api.staging.example.com/webhooks/stripe";
  private static final Duration PLENTY = Duration.ofMinutes(2);
  private static final Map<String, String> SDK_PROPERTIES = Map.of(
      "aws.region", "eu-west-2",
      "aws.accessKeyId", "fake-access-key-for-tests",
      "aws.secretAccessKey", "fake-secret-access-key-for-tests");

  private final Map<String, String> previousProperties = new HashMap<>();
  private FakeStripe stripe;
  private FakeSecretsManager secretsManager;
  private FakeCloudFormation cloudFormation;
  private String secretArn;
  private final ByteArrayOutputStream logs = new ByteArrayOutputStream();
  private PrintStream stdout;

  @BeforeEach
  void setUp() {
    stripe = new FakeStripe();
    secretsManager = new FakeSecretsManager();
    cloudFormation = new FakeCloudFormation();
    secretArn = secretsManager.create("StripeWebhookSigningSecret-9Hf3kLm2Qp1x");
    Map<String, String> properties = new HashMap<>(SDK_PROPERTIES);
    properties.put("aws.endpointUrlSecretsManager", secretsManager.baseUrl());
    properties.forEach((name, value) -> {
      previousProperties.put(name, System.getProperty(name));
      System.setProperty(name, value);
    });
    // every log line the function writes, to prove the secret is never among them
    stdout = System.out;
    System.setOut(new PrintStream(new TeeStream(stdout, logs), true, StandardCharsets.UTF_8));
  }

  @AfterEach
  void tearDown() {
    System.setOut(stdout);
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
  }

  /** The function as the template configures it for the stack and properties of {@code event}. */
  private StripeWebhookEndpointHandler handler(CloudFormationCustomResourceEvent event, Map<String, String> overrides) {
    Map<String, String> env = new HashMap<>(Map.of(
        "STRIPE_API_KEY", FakeStripe.DEFAULT_API_KEY,
        "STRIPE_API_BASE_URL", stripe.baseUrl(),
        "PROVIDER_READ_TIMEOUT_MS", "1000"));
    env.putAll(CustomResourceSettings.configuredFor(event.getStackId(), event.getResourceProperties()));
    env.putAll(overrides);
    env.values().removeIf(String::isEmpty);
    return new StripeWebhookEndpointHandler(Settings.of(env));
  }

  // ------------------------------------------------------------------ events

  private CloudFormationCustomResourceEvent event(String file, String physicalId) {
    CloudFormationCustomResourceEvent event = EventLoader.loadCloudFormationCustomResourceEvent(file);
    event.setResponseUrl(cloudFormation.responseUrl());
    event.setResourceProperties(withSecret(event.getResourceProperties(), secretArn));
    if (event.getOldResourceProperties() != null) {
      event.setOldResourceProperties(withSecret(event.getOldResourceProperties(), secretArn));
    }
    if (physicalId != null) {
      event.setPhysicalResourceId(physicalId);
    }
    return event;
  }

  private static Map<String, Object> withSecret(Map<String, Object> properties, String arn) {
    Map<String, Object> copy = new LinkedHashMap<>(properties);
    copy.put("SecretId", arn);
    return copy;
  }

  private CloudFormationCustomResourceEvent createEvent() {
    return event("events/cfn-stripe-webhook-endpoint-create.json", null);
  }

  private CloudFormationCustomResourceEvent updateEvent(String physicalId) {
    return event("events/cfn-stripe-webhook-endpoint-update.json", physicalId);
  }

  private CloudFormationCustomResourceEvent deleteEvent(String physicalId) {
    return event("events/cfn-stripe-webhook-endpoint-delete.json", physicalId);
  }

  /** Runs one invocation and returns the one answer CloudFormation received for it. */
  private Map<String, Object> run(CloudFormationCustomResourceEvent event) {
    return run(handler(event, Map.of()), event, PLENTY);
  }

  private Map<String, Object> run(StripeWebhookEndpointHandler h, CloudFormationCustomResourceEvent event,
                                  Duration timeLeft) {
    cloudFormation.clearJournal();
    h.handleRequest(event, new LambdaContext("StripeWebhookEndpointFunction", timeLeft));
    return cloudFormation.onlyAnswer();
  }

  private String createdEndpointId() {
    Map<String, Object> answer = run(createEvent());
    assertEquals("SUCCESS", answer.get("Status"), String.valueOf(answer));
    return (String) answer.get("PhysicalResourceId");
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> data(Map<String, Object> answer) {
    return (Map<String, Object>) answer.get("Data");
  }

  /** The key the webhook verifies with now. */
  private Optional<String> currentKey(String arn) {
    return secretsManager.value(arn).map(v -> WebhookSecrets.parse(v).current());
  }

  private List<FakeStripeEndpoint> endpointsFor(String url) {
    return stripe.endpoints().stream().filter(e -> e.url().equals(url)).toList();
  }

  /** No answer and no log line ever carried a signing secret Stripe handed out. */
  private void assertNoSecretLeaked() {
    String everything = String.join("\n", cloudFormation.rawAnswers()) + logs.toString(StandardCharsets.UTF_8);
    assertFalse(everything.contains("whsec_"), "a signing secret left the function");
  }

  // ------------------------------------------------------------------ Create

  @Test
  void create_withNoEndpoint_registersOneForTheStackAndStoresItsSecret() {
    Map<String, Object> answer = run(createEvent());

    assertEquals("SUCCESS", answer.get("Status"), String.valueOf(answer));
    FakeStripeEndpoint endpoint = stripe.endpoints().get(0);
    assertEquals(1, stripe.endpoints().size());
    assertEquals(endpoint.id(), answer.get("PhysicalResourceId"));
    assertEquals(API_URL, endpoint.url());
    assertEquals(List.of("checkout.session.completed", "payment_intent.succeeded"), endpoint.enabledEvents());
    assertEquals(Stripe.API_VERSION, endpoint.apiVersion());
    assertEquals(Map.of("stack_id", STACK_ID, "logical_resource_id", "StripeWebhookEndpoint"), endpoint.metadata());
    assertEquals("Switchboard staging (switchboard-staging)", endpoint.description());
    assertEquals(Map.of("EndpointId", endpoint.id(), "Url", API_URL, "ApiVersion", Stripe.API_VERSION), data(answer));
    assertEquals(stripe.secretOf(endpoint.id()), currentKey(secretArn));
    assertEquals("5d1c2b3a-4e5f-4a6b-9c7d-8e9f0a1b2c3d", answer.get("RequestId"));
    assertEquals(STACK_ID, answer.get("StackId"));
    assertEquals("StripeWebhookEndpoint", answer.get("LogicalResourceId"));
    assertNoSecretLeaked();
  }

  @Test
  void create_whenAnEndpointForTheUrlWasMadeByHand_replacesIt() {
    FakeStripeEndpoint byHand = stripe.plantEndpoint(API_URL, List.of("*"));
    FakeStripeEndpoint elsewhere = stripe.plantEndpoint("https://other.example.com/hooks", List.of("charge.refunded"));

    Map<String, Object> answer = run(createEvent());

    assertEquals("SUCCESS", answer.get("Status"));
    List<FakeStripeEndpoint> forUrl = endpointsFor(API_URL);
    assertEquals(1, forUrl.size());
    assertNotEquals(byHand.id(), forUrl.get(0).id());
    assertEquals(forUrl.get(0).id(), answer.get("PhysicalResourceId"));
    assertTrue(stripe.endpoint(elsewhere.id()).isPresent(), "an endpoint for another URL is not ours to touch");
    assertEquals(stripe.secretOf(forUrl.get(0).id()), currentKey(secretArn));
    assertNoSecretLeaked();
  }

  @Test
  void create_twice_leavesOneEndpointWhoseSecretIsStored() {
    String first = createdEndpointId();
    String second = createdEndpointId();

    assertNotEquals(first, second);
    assertEquals(List.of(second), endpointsFor(API_URL).stream().map(FakeStripeEndpoint::id).toList());
    assertEquals(stripe.secretOf(second), currentKey(secretArn));
  }

  @Test
  void create_findsAnOldEndpointForTheUrlOnALaterPage() {
    FakeStripeEndpoint byHand = stripe.plantEndpoint(API_URL, List.of("*"));
    for (int i = 0; i < 120; i++) {
      stripe.plantEndpoint("https://tenant" + i + ".example.com/hooks", List.of("charge.refunded"));
    }

    assertEquals("SUCCESS", run(createEvent()).get("Status"));

    assertTrue(stripe.endpoint(byHand.id()).isEmpty(), "the oldest endpoint is on the second page");
    assertEquals(1, endpointsFor(API_URL).size());
    assertEquals(121, stripe.endpoints().size());
    assertTrue(stripe.count(FakeStripe.LIST_ENDPOINTS) >= 2);
  }

  @Test
  void create_withoutAStripeKey_answersFailedNamingTheSetting() {
    Map<String, Object> answer = run(handler(createEvent(), Map.of("STRIPE_API_KEY", "")), createEvent(), PLENTY);

    assertEquals("FAILED", answer.get("Status"));
    assertEquals("missing required setting STRIPE_API_KEY", answer.get("Reason"));
    assertTrue(stripe.journal().isEmpty());
  }

  @Test
  void create_withAPlainHttpUrl_answersFailedWithoutCallingStripe() {
    CloudFormationCustomResourceEvent event = createEvent();
    Map<String, Object> properties = new LinkedHashMap<>(event.getResourceProperties());
    properties.put("Url", "http://insecure.example.com/webhooks/stripe");
    event.setResourceProperties(properties);

    Map<String, Object> answer = run(event);

    assertEquals("FAILED", answer.get("Status"));
    assertTrue(((String) answer.get("Reason")).contains("https"), String.valueOf(answer.get("Reason")));
    assertTrue(stripe.journal().isEmpty());
  }

  // ------------------------------------------------------------------ Create: Stripe or Secrets Manager failing

  @Test
  void create_whenListingFails_answersFailedAndMakesNothing() {
    stripe.failAlways(FakeStripe.LIST_ENDPOINTS, Fault.status(500));

    Map<String, Object> answer = run(createEvent());

    assertFailedWithReason(answer, "list webhook endpoints");
    assertTrue(((String) answer.get("PhysicalResourceId")).startsWith("not-created-"));
    assertTrue(stripe.endpoints().isEmpty());
    assertTrue(secretsManager.value(secretArn).isEmpty());
  }

  @Test
  void create_whenCreatingFails_answersFailedAndKeepsTheOldEndpoint() {
    FakeStripeEndpoint byHand = stripe.plantEndpoint(API_URL, List.of("*"));
    stripe.failAlways(FakeStripe.CREATE_ENDPOINT, Fault.status(500));

    Map<String, Object> answer = run(createEvent());

    assertFailedWithReason(answer, "create webhook endpoint");
    assertEquals(List.of(byHand.id()), stripe.endpoints().stream().map(FakeStripeEndpoint::id).toList());
    assertTrue(secretsManager.value(secretArn).isEmpty());
  }

  @Test
  void create_whenTheCreateTimesOutButHappenedAtStripe_removesWhatItMade() {
    // both attempts (stripe-java retries once) are done by Stripe after the client gave up
    stripe.failNext(FakeStripe.CREATE_ENDPOINT, Fault.lateSuccess(Duration.ofMillis(1500)), 2);

    Map<String, Object> answer = run(createEvent());

    assertFailedWithReason(answer, "create webhook endpoint");
    assertTrue(stripe.successCount(FakeStripe.CREATE_ENDPOINT) >= 1, "the fake did create it");
    assertTrue(stripe.endpoints().isEmpty(), "the late endpoint was deleted again");
    assertTrue(secretsManager.value(secretArn).isEmpty());
  }

  @Test
  void create_whenTheSecretCannotBeStored_deletesTheNewEndpoint_andTheSecretIsUntouched() {
    stripe.plantEndpoint(API_URL, List.of("*"));
    secretsManager.failNextCall(FakeSecretsManager.PUT_SECRET_VALUE, 400, "AccessDeniedException",
        "User is not authorized to perform secretsmanager:PutSecretValue");

    Map<String, Object> answer = run(createEvent());

    assertFailedWithReason(answer, "AccessDeniedException");
    // the hand-made one was removed before the write (its key was never the stack's)
    assertTrue(endpointsFor(API_URL).isEmpty(), "the new endpoint was undone");
    assertTrue(secretsManager.value(secretArn).isEmpty());
    assertNoSecretLeaked();
  }

  @Test
  void create_whenTheOldEndpointCannotBeDeleted_deletesTheNewOneAndKeepsTheOld() {
    FakeStripeEndpoint byHand = stripe.plantEndpoint(API_URL, List.of("*"));
    // the old endpoint's delete fails on both attempts; undoing the new one then works
    stripe.failNext(FakeStripe.DELETE_ENDPOINT, Fault.status(500), 2);

    Map<String, Object> answer = run(createEvent());

    assertFailedWithReason(answer, "delete webhook endpoint");
    assertEquals(List.of(byHand.id()), stripe.endpoints().stream().map(FakeStripeEndpoint::id).toList());
    assertTrue(secretsManager.value(secretArn).isEmpty(), "no key written for an endpoint that was undone");
    assertNoSecretLeaked();
  }

  @Test
  void replace_whenAHandMadeDuplicateCannotBeDeleted_keepsTheSecretOfTheEndpointThatStillServes() {
    String id = createdEndpointId();
    String stored = secretsManager.value(secretArn).orElseThrow();
    stripe.setApiVersionOf(id, "2020-08-27"); // the update replaces it
    stripe.plantEndpoint(DOMAIN_URL, List.of("*"));
    stripe.failNext(FakeStripe.DELETE_ENDPOINT, Fault.status(500), 2);

    Map<String, Object> answer = run(updateEvent(id));

    assertFailedWithReason(answer, "delete webhook endpoint");
    assertEquals(List.of(stored), secretsManager.versionsWritten(secretArn), "the secret was never overwritten");
    assertEquals(stripe.secretOf(id), currentKey(secretArn));
    assertTrue(stripe.endpoint(id).isPresent(), "the endpoint the secret verifies still serves");
    assertEquals(2, stripe.endpoints().size(), "ours and the hand-made one; the new one was undone");
    assertNoSecretLeaked();
  }

  // ------------------------------------------------------------------ other stacks on one Stripe account

  @Test
  void create_whenAnotherStackOwnsAnEndpointForTheUrl_answersFailedSayingSo_andTouchesNothing() {
    FakeStripeEndpoint theirs = stripe.plantEndpoint(API_URL, List.of("checkout.session.completed"),
        Map.of("stack_id", OTHER_STACK_ID, "logical_resource_id", "StripeWebhookEndpoint"));

    Map<String, Object> answer = run(createEvent());

    assertFailedWithReason(answer, "another stack owns the Stripe webhook endpoint " + theirs.id());
    assertTrue(((String) answer.get("Reason")).contains(OTHER_STACK_ID));
    assertEquals(List.of(theirs.id()), stripe.endpoints().stream().map(FakeStripeEndpoint::id).toList());
    assertEquals(0, stripe.count(FakeStripe.CREATE_ENDPOINT));
    assertTrue(secretsManager.value(secretArn).isEmpty());
  }

  @Test
  void create_removesItsOwnStraysAndHandMadeOnes_butNotAnotherStacksForAnotherUrl() {
    FakeStripeEndpoint theirs = stripe.plantEndpoint("https://blue.example.com/webhooks/stripe",
        List.of("checkout.session.completed"), Map.of("stack_id", OTHER_STACK_ID));
    FakeStripeEndpoint stray = stripe.plantEndpoint(API_URL, List.of("checkout.session.completed"),
        Map.of("stack_id", STACK_ID, "logical_resource_id", "StripeWebhookEndpoint"));

    String id = createdEndpointId();

    assertTrue(stripe.endpoint(stray.id()).isEmpty());
    assertTrue(stripe.endpoint(theirs.id()).isPresent());
    assertEquals(List.of(id), endpointsFor(API_URL).stream().map(FakeStripeEndpoint::id).toList());
  }

  @Test
  void delete_ofAnEndpointAnotherStackOwns_leavesIt_andSucceeds() {
    FakeStripeEndpoint theirs = stripe.plantEndpoint(API_URL, List.of("checkout.session.completed"),
        Map.of("stack_id", OTHER_STACK_ID));

    Map<String, Object> answer = run(deleteEvent(theirs.id()));

    assertEquals("SUCCESS", answer.get("Status"));
    assertTrue(stripe.endpoint(theirs.id()).isPresent());
    assertEquals(0, stripe.count(FakeStripe.DELETE_ENDPOINT));
  }

  // ------------------------------------------------------------------ replacing, and rolling back

  @Test
  void replace_disablesTheReplacedEndpointOnceTheNewKeyIsStored_andARollbackEnablesItAndMakesItsKeyCurrentAgain() {
    String oldId = createdEndpointId();
    String oldKey = stripe.secretOf(oldId).orElseThrow();
    CloudFormationCustomResourceEvent update = updateEvent(oldId);
    stripe.setApiVersionOf(oldId, "2020-08-27"); // same SecretId; the API version forces the replacement

    Map<String, Object> answer = run(update);

    String newId = (String) answer.get("PhysicalResourceId");
    assertNotEquals(oldId, newId);
    WebhookSecrets stored = WebhookSecrets.parse(secretsManager.value(secretArn).orElseThrow());
    assertEquals(stripe.secretOf(newId).orElseThrow(), stored.current());
    assertEquals(Optional.of(oldKey), stored.previous());
    assertEquals(Optional.of(oldId), stored.previousEndpointId());
    assertEquals(Optional.empty(), stored.previousUntil(), "kept while the replaced endpoint exists, not for a fixed time");
    assertTrue(stripe.endpoint(oldId).orElseThrow().disabled(), "the replaced endpoint delivers nothing more");
    assertFalse(stripe.endpoint(newId).orElseThrow().disabled());

    // a later resource fails: CloudFormation rolls back by deleting the new physical id
    assertEquals("SUCCESS", run(deleteEvent(newId)).get("Status"));

    assertTrue(stripe.endpoint(newId).isEmpty());
    assertFalse(stripe.endpoint(oldId).orElseThrow().disabled(), "the old endpoint delivers again");
    WebhookSecrets restored = WebhookSecrets.parse(secretsManager.value(secretArn).orElseThrow());
    assertEquals(oldKey, restored.current(), "the old endpoint's key is current again");
    assertEquals(Optional.empty(), restored.previous(), "the deleted replacement's key verifies nothing");
    assertNoSecretLeaked();
  }

  @Test
  void replace_thenCloudFormationsCleanup_deletesTheReplacedEndpoint_andItsKeyStopsVerifying() {
    String oldId = createdEndpointId();
    stripe.setApiVersionOf(oldId, "2020-08-27");
    String newId = (String) run(updateEvent(oldId)).get("PhysicalResourceId");

    assertEquals("SUCCESS", run(deleteEvent(oldId)).get("Status"));

    assertTrue(stripe.endpoint(oldId).isEmpty());
    WebhookSecrets stored = WebhookSecrets.parse(secretsManager.value(secretArn).orElseThrow());
    assertEquals(stripe.secretOf(newId).orElseThrow(), stored.current());
    assertEquals(List.of(stored.current()), stored.acceptedAt(java.time.Instant.now()));
    assertNoSecretLeaked();
  }

  @Test
  void replace_whenTheReplacedEndpointWasDeletedByHand_theCleanupFindsItGone_andClearsItsKey() {
    String oldId = createdEndpointId();
    stripe.setApiVersionOf(oldId, "2020-08-27");
    String newId = (String) run(updateEvent(oldId)).get("PhysicalResourceId");
    stripe.removeEndpoint(oldId); // an operator deleted it in the dashboard after its key leaked

    assertEquals("SUCCESS", run(deleteEvent(oldId)).get("Status"));

    WebhookSecrets stored = WebhookSecrets.parse(secretsManager.value(secretArn).orElseThrow());
    assertEquals(stripe.secretOf(newId).orElseThrow(), stored.current());
    assertEquals(Optional.empty(), stored.previous(), "a leaked key of a deleted endpoint verifies nothing");
  }

  @Test
  void create_overAnEndpointItRemoves_keepsNoKeyOfIt() {
    String first = createdEndpointId();
    String second = createdEndpointId(); // the first, for the same URL, was removed

    WebhookSecrets stored = WebhookSecrets.parse(secretsManager.value(secretArn).orElseThrow());
    assertEquals(stripe.secretOf(second).orElseThrow(), stored.current());
    assertEquals(Optional.empty(), stored.previous(), first + " is gone: its key must not verify");
  }

  @Test
  void create_nearTheFunctionsTimeLimit_answersFailedInTimeAndUndoesTheLateEndpoint() throws Exception {
    StripeWebhookEndpointHandler slow = handler(createEvent(), Map.of("PROVIDER_READ_TIMEOUT_MS", "3000"));
    // Stripe holds the first create past the function's remaining time; the SDK's retry then succeeds
    stripe.failNext(FakeStripe.CREATE_ENDPOINT, Fault.delay(Duration.ofSeconds(3)));
    Duration timeLeft = AnswerInTime.ANSWER_MARGIN.plusSeconds(1);

    Map<String, Object> answer = run(slow, createEvent(), timeLeft);

    // the work would have succeeded on the SDK's retry: FAILED for the time limit means it was not waited for
    assertFailedWithReason(answer, "time limit");
    // the work carries on in the background and takes back what it made after the answer
    waitUntil(() -> stripe.successCount(FakeStripe.CREATE_ENDPOINT) == 1 && stripe.endpoints().isEmpty()
        && stripe.successCount(FakeStripe.DELETE_ENDPOINT) == 1, Duration.ofMinutes(1));
    assertTrue(secretsManager.value(secretArn).isEmpty());
  }

  // ------------------------------------------------------------------ Update

  @Test
  void update_changesUrlAndEventsInPlace_andTheSecretStaysValid() {
    String id = createdEndpointId();
    String secret = secretsManager.value(secretArn).orElseThrow();

    Map<String, Object> answer = run(updateEvent(id));

    assertEquals("SUCCESS", answer.get("Status"), String.valueOf(answer));
    assertEquals(id, answer.get("PhysicalResourceId"));
    FakeStripeEndpoint endpoint = stripe.endpoint(id).orElseThrow();
    assertEquals(DOMAIN_URL, endpoint.url());
    assertEquals(List.of("checkout.session.completed", "payment_intent.succeeded", "charge.refunded"),
        endpoint.enabledEvents());
    assertEquals(1, stripe.endpoints().size());
    assertEquals(WebhookSecrets.parse(secret).stored(), WebhookSecrets.parse(secretsManager.value(secretArn).orElseThrow())
        .stored(), "the same keys");
    assertEquals(stripe.secretOf(id), currentKey(secretArn));
    assertEquals(DOMAIN_URL, data(answer).get("Url"));
    assertNoSecretLeaked();
  }

  @Test
  void update_whenTheEndpointIsGone_registersANewOneUnderANewId() {
    Map<String, Object> answer = run(updateEvent("we_1SfakeEndpointCreatedByStack"));

    assertEquals("SUCCESS", answer.get("Status"), String.valueOf(answer));
    String id = (String) answer.get("PhysicalResourceId");
    assertNotEquals("we_1SfakeEndpointCreatedByStack", id);
    assertEquals(DOMAIN_URL, stripe.endpoint(id).orElseThrow().url());
    assertEquals(stripe.secretOf(id), currentKey(secretArn));
  }

  @Test
  void update_withANewSecretId_replacesTheEndpointAndWritesTheNewSecret() {
    String id = createdEndpointId();
    String newSecretArn = secretsManager.create("StripeWebhookSigningSecret-replacement");
    CloudFormationCustomResourceEvent event = updateEvent(id);
    event.setResourceProperties(withSecret(event.getResourceProperties(), newSecretArn));

    Map<String, Object> answer = run(event);

    assertEquals("SUCCESS", answer.get("Status"), String.valueOf(answer));
    String newId = (String) answer.get("PhysicalResourceId");
    assertNotEquals(id, newId);
    assertEquals(stripe.secretOf(newId), currentKey(newSecretArn));
    assertNoSecretLeaked();
  }

  @Test
  void update_ofAnEndpointRegisteredWithAnotherApiVersion_replacesItWithTheSdksVersion() {
    // made before a stripe-java upgrade: its events would arrive in a version the webhook ignores
    FakeStripeEndpoint older = stripe.plantEndpoint(DOMAIN_URL, List.of("checkout.session.completed"));

    Map<String, Object> answer = run(updateEvent(older.id()));

    assertEquals("SUCCESS", answer.get("Status"), String.valueOf(answer));
    String id = (String) answer.get("PhysicalResourceId");
    assertNotEquals(older.id(), id);
    assertEquals(Stripe.API_VERSION, stripe.endpoint(id).orElseThrow().apiVersion());
    assertTrue(stripe.endpoint(older.id()).isPresent(), "the replaced one is CloudFormation's to delete");
    assertTrue(stripe.endpoint(older.id()).orElseThrow().disabled(), "and delivers nothing more");
    assertEquals(stripe.secretOf(id), currentKey(secretArn));
    assertNoSecretLeaked();

    // the update succeeded: CloudFormation deletes the old physical id
    assertEquals("SUCCESS", run(deleteEvent(older.id())).get("Status"));
    assertEquals(List.of(id), endpointsFor(DOMAIN_URL).stream().map(FakeStripeEndpoint::id).toList());
  }

  @Test
  void update_whenStripeFailsToRetrieve_answersFailedKeepingTheIdAndTheEndpoint() {
    String id = createdEndpointId();
    stripe.failAlways(FakeStripe.GET_ENDPOINT, Fault.status(500));

    Map<String, Object> answer = run(updateEvent(id));

    assertFailedWithReason(answer, "retrieve webhook endpoint");
    assertEquals(id, answer.get("PhysicalResourceId"));
    assertEquals(API_URL, stripe.endpoint(id).orElseThrow().url());
  }

  @Test
  void update_whenStripeFailsToUpdate_answersFailedKeepingTheIdAndTheEndpoint() {
    String id = createdEndpointId();
    stripe.failAlways(FakeStripe.UPDATE_ENDPOINT, Fault.status(500));

    Map<String, Object> answer = run(updateEvent(id));

    assertFailedWithReason(answer, "update webhook endpoint");
    assertEquals(id, answer.get("PhysicalResourceId"));
    assertEquals(API_URL, stripe.endpoint(id).orElseThrow().url());
    assertEquals(1, stripe.endpoints().size());
  }

  // ------------------------------------------------------------------ Delete

  @Test
  void delete_removesTheEndpoint() {
    String id = createdEndpointId();

    Map<String, Object> answer = run(deleteEvent(id));

    assertEquals("SUCCESS", answer.get("Status"));
    assertEquals(id, answer.get("PhysicalResourceId"));
    assertTrue(stripe.endpoints().isEmpty());
  }

  @Test
  void delete_ofAnEndpointThatIsAlreadyGone_succeeds() {
    Map<String, Object> answer = run(deleteEvent("we_1SfakeEndpointCreatedByStack"));

    assertEquals("SUCCESS", answer.get("Status"));
    assertEquals(1, stripe.count(FakeStripe.GET_ENDPOINT), "retrieved to check its owner");
    assertEquals(0, stripe.count(FakeStripe.DELETE_ENDPOINT));
  }

  @Test
  void delete_afterAFailedCreate_callsNothing() {
    Map<String, Object> answer = run(deleteEvent("not-created-5d1c2b3a-4e5f-4a6b-9c7d-8e9f0a1b2c3d"));

    assertEquals("SUCCESS", answer.get("Status"));
    assertTrue(stripe.journal().isEmpty());
  }

  @Test
  void delete_whenStripeIsDown_answersSuccessAndLogsTheEndpointItLeftBehind() {
    String id = createdEndpointId();
    stripe.failAlways(FakeStripe.GET_ENDPOINT, Fault.status(500));
    stripe.failAlways(FakeStripe.DELETE_ENDPOINT, Fault.status(500));

    Map<String, Object> answer = run(deleteEvent(id));

    // a stack that cannot be deleted or rolled back for Stripe's outage helps nobody
    assertEquals("SUCCESS", answer.get("Status"), String.valueOf(answer));
    assertEquals(id, answer.get("PhysicalResourceId"));
    assertTrue(stripe.endpoint(id).isPresent(), "left behind");
    assertTrue(logs.toString(StandardCharsets.UTF_8).contains("\"event\":\"stripe.webhook_endpoint.left_behind\""));
    assertTrue(logs.toString(StandardCharsets.UTF_8).contains(id));
  }

  @Test
  void delete_withARevokedStripeKey_answersSuccessAndLeavesTheEndpoint() {
    String id = createdEndpointId();
    stripe.rollApiKey("sk_test_rolled_after_a_leak_000000000000");

    Map<String, Object> answer = run(deleteEvent(id));

    assertEquals("SUCCESS", answer.get("Status"), String.valueOf(answer));
    assertTrue(stripe.endpoint(id).isPresent());
    assertTrue(logs.toString(StandardCharsets.UTF_8).contains("stripe.webhook_endpoint.left_behind"));
  }

  @Test
  void cleanupOfAReplacedEndpoint_whenStripeIsDown_answersSuccessAndStillClearsItsKey() {
    String oldId = createdEndpointId();
    stripe.setApiVersionOf(oldId, "2020-08-27");
    String newId = (String) run(updateEvent(oldId)).get("PhysicalResourceId");
    stripe.failAlways(FakeStripe.GET_ENDPOINT, Fault.status(503));

    assertEquals("SUCCESS", run(deleteEvent(oldId)).get("Status"));

    assertTrue(stripe.endpoint(oldId).orElseThrow().disabled(), "left behind, but delivering nothing");
    WebhookSecrets stored = WebhookSecrets.parse(secretsManager.value(secretArn).orElseThrow());
    assertEquals(stripe.secretOf(newId).orElseThrow(), stored.current());
    assertEquals(Optional.empty(), stored.previous(), "CloudFormation forgot the endpoint: its key goes too");
  }

  @Test
  void delete_whenTheAnswerCannotBeDelivered_stillDeletesAndDoesNotThrow() {
    String id = createdEndpointId();
    cloudFormation.failNext(FakeCloudFormation.RESPOND, Fault.status(403, "AccessDenied", "Request has expired"));

    handler(deleteEvent(id), Map.of()).handleRequest(deleteEvent(id), new LambdaContext("StripeWebhookEndpointFunction", PLENTY));

    assertTrue(stripe.endpoints().isEmpty());
  }

  // ------------------------------------------------------------------ only this stack's events

  @Test
  void create_ofAnotherStack_answersFailed_andTouchesNothing() {
    CloudFormationCustomResourceEvent theirs = createEvent();
    theirs.setStackId(OTHER_STACK_ID); // their stack's custom resource names our function

    Map<String, Object> answer = run(handler(createEvent(), Map.of()), theirs, PLENTY);

    assertFailedWithReason(answer, "StackId is not this function's stack");
    assertTrue(stripe.journal().isEmpty());
    assertTrue(secretsManager.value(secretArn).isEmpty());
  }

  @Test
  void create_withAnotherUrl_orEvents_orSecret_thanTheTemplateGivesTheFunction_answersFailed_andTouchesNothing() {
    StripeWebhookEndpointHandler configured = handler(createEvent(), Map.of());
    String elsewhere = secretsManager.create("SomeoneElsesSecret-000001");
    Map<String, Object> url = Map.of("Url", "https://attacker.example.com/webhooks/stripe");
    Map<String, Object> events = Map.of("EnabledEvents", List.of("checkout.session.completed"));
    Map<String, Object> secret = Map.of("SecretId", elsewhere);

    for (Map<String, Object> change : List.of(url, events, secret)) {
      CloudFormationCustomResourceEvent event = createEvent();
      Map<String, Object> properties = new LinkedHashMap<>(event.getResourceProperties());
      properties.putAll(change);
      event.setResourceProperties(properties);

      Map<String, Object> answer = run(configured, event, PLENTY);

      assertFailedWithReason(answer, change.keySet().iterator().next());
      assertTrue(((String) answer.get("Reason")).contains("differ from what the template gives this function"));
    }
    assertTrue(stripe.journal().isEmpty());
    assertTrue(secretsManager.value(secretArn).isEmpty());
    assertTrue(secretsManager.value(elsewhere).isEmpty());
  }

  @Test
  void update_pointingTheLiveEndpointElsewhere_answersFailed_andTheEndpointStays() {
    String id = createdEndpointId();
    CloudFormationCustomResourceEvent configuredFor = updateEvent(id);
    CloudFormationCustomResourceEvent forged = updateEvent(id);
    Map<String, Object> properties = new LinkedHashMap<>(forged.getResourceProperties());
    properties.put("Url", "https://attacker.example.com/webhooks/stripe");
    forged.setResourceProperties(properties);
    long before = stripe.journal().size();

    Map<String, Object> answer = run(handler(configuredFor, Map.of()), forged, PLENTY);

    assertFailedWithReason(answer, "Url");
    assertEquals(API_URL, stripe.endpoint(id).orElseThrow().url());
    assertEquals(before, stripe.journal().size(), "Stripe was not called");
  }

  @Test
  void anyRequest_withoutAStackId_answersFailedNamingTheSetting() {
    Map<String, Object> answer = run(handler(createEvent(), Map.of("STACK_ID", "")), createEvent(), PLENTY);

    assertFailedWithReason(answer, "STACK_ID is not set");
    assertTrue(stripe.journal().isEmpty());
  }

  @Test
  void aResponseUrlThatIsNotCloudFormations_isNeverAnswered_andNothingIsDone() {
    for (String url : List.of(
        "https://collector.example.com/cfn?X-Amz-Signature=x",
        // CloudFormation's bucket, but of another region than the stack's (eu-west-2)
        "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/arn?X-Amz-Signature=x",
        "http://cloudformation-custom-resource-response-euwest2.s3.eu-west-2.amazonaws.com/arn")) {
      CloudFormationCustomResourceEvent event = createEvent();
      event.setResponseUrl(url);
      cloudFormation.clearJournal();

      var returned = handler(event, Map.of()).handleRequest(event, new LambdaContext("StripeWebhookEndpointFunction", PLENTY));

      assertEquals("FAILED", String.valueOf(returned.getStatus()), url);
      assertTrue(returned.getReason().contains("not answered"), returned.getReason());
    }
    assertTrue(stripe.journal().isEmpty(), "nothing done");
    assertTrue(logs.toString(StandardCharsets.UTF_8).contains("custom_resource.refused"));
  }

  @Test
  void aLoopbackResponseUrl_isAnsweredOnlyWhenTheLocalSettingAllowsIt() {
    CloudFormationCustomResourceEvent event = createEvent(); // FakeCloudFormation on 127.0.0.1

    handler(event, Map.of("CUSTOM_RESOURCE_LOOPBACK_RESPONSE", "")).handleRequest(event,
        new LambdaContext("StripeWebhookEndpointFunction", PLENTY));

    assertTrue(cloudFormation.answers().isEmpty(), "a deployed function never answers a loopback URL");
    assertTrue(stripe.journal().isEmpty());
    assertEquals("SUCCESS", run(handler(event, Map.of()), event, PLENTY).get("Status"));
  }

  // ------------------------------------------------------------------ rollbacks with Stripe down

  /** The event with its FunctionVersion, as the template passes it. */
  private static CloudFormationCustomResourceEvent withVersions(CloudFormationCustomResourceEvent event, int to, int from) {
    String function = "arn:aws:lambda:eu-west-2:123456789012:function:switchboard-staging-StripeWebhookEndpointFunction-Zx4k9PqR7sTu:";
    Map<String, Object> properties = new LinkedHashMap<>(event.getResourceProperties());
    properties.put("FunctionVersion", function + to);
    event.setResourceProperties(properties);
    Map<String, Object> old = new LinkedHashMap<>(event.getOldResourceProperties());
    old.put("FunctionVersion", function + from);
    event.setOldResourceProperties(old);
    return event;
  }

  /** CloudFormation's rollback of {@code forward}: its old properties become the new, and the other way round. */
  private static CloudFormationCustomResourceEvent rollbackOf(CloudFormationCustomResourceEvent forward) {
    CloudFormationCustomResourceEvent back = EventLoader.loadCloudFormationCustomResourceEvent(
        "events/cfn-stripe-webhook-endpoint-update.json");
    back.setResponseUrl(forward.getResponseUrl());
    back.setPhysicalResourceId(forward.getPhysicalResourceId());
    back.setRequestId(java.util.UUID.randomUUID().toString());
    back.setResourceProperties(forward.getOldResourceProperties());
    back.setOldResourceProperties(forward.getResourceProperties());
    return back;
  }

  @Test
  void rollbackOfAFailedUpdate_withTheStripeKeyRevoked_answersSuccessWithoutCallingStripe() {
    String id = createdEndpointId();
    stripe.rollApiKey("sk_test_rolled_after_a_leak_000000000000");
    CloudFormationCustomResourceEvent forward = withVersions(updateEvent(id), 2, 1);
    assertFailedWithReason(run(forward), "retrieve webhook endpoint");
    CloudFormationCustomResourceEvent back = rollbackOf(forward);
    long calls = stripe.journal().size();

    // whether CloudFormation rolls the function back before this resource or after it
    Map<String, Object> functionRolledBack = run(handler(back, Map.of()), back, PLENTY);
    Map<String, Object> functionNotYet = run(handler(forward, Map.of()), rollbackOf(forward), PLENTY);

    for (Map<String, Object> answer : List.of(functionRolledBack, functionNotYet)) {
      assertEquals("SUCCESS", answer.get("Status"), String.valueOf(answer));
      assertEquals(id, answer.get("PhysicalResourceId"));
      assertEquals(Map.of("EndpointId", id, "Url", API_URL, "ApiVersion", Stripe.API_VERSION), data(answer));
    }
    assertEquals(calls, stripe.journal().size(), "Stripe was not called");
    assertEquals(API_URL, stripe.endpoint(id).orElseThrow().url());
  }

  @Test
  void rollbackOfACodeOnlyDeploy_withStripeDown_answersSuccessWithoutCallingStripe() {
    String id = createdEndpointId();
    CloudFormationCustomResourceEvent forward = updateEvent(id);
    forward.setOldResourceProperties(createEvent().getResourceProperties());
    forward.setResourceProperties(createEvent().getResourceProperties()); // only the function version changes
    withVersions(forward, 8, 7);
    assertEquals("SUCCESS", run(forward).get("Status")); // then another resource fails
    stripe.failAlways(FakeStripe.GET_ENDPOINT, Fault.status(500));
    stripe.failAlways(FakeStripe.LIST_ENDPOINTS, Fault.status(500));
    long calls = stripe.journal().size();

    Map<String, Object> answer = run(rollbackOf(forward));

    assertEquals("SUCCESS", answer.get("Status"), String.valueOf(answer));
    assertEquals(calls, stripe.journal().size(), "Stripe was not called");
  }

  @Test
  void rollbackOfAnUpdateThatChangedTheEndpoint_putsItBack() {
    String id = createdEndpointId();
    CloudFormationCustomResourceEvent forward = withVersions(updateEvent(id), 2, 1);
    assertEquals("SUCCESS", run(forward).get("Status")); // moved to the domain URL; then another resource fails
    assertEquals(DOMAIN_URL, stripe.endpoint(id).orElseThrow().url());

    Map<String, Object> answer = run(rollbackOf(forward));

    assertEquals("SUCCESS", answer.get("Status"), String.valueOf(answer));
    assertEquals(API_URL, stripe.endpoint(id).orElseThrow().url(), "there was something to undo: it was undone");
  }

  @Test
  void aForwardUpdateThatChangesNothing_stillAsksStripe_soAnEndpointDeletedByHandIsReplaced() {
    String id = createdEndpointId();
    stripe.removeEndpoint(id);
    CloudFormationCustomResourceEvent forward = updateEvent(id);
    forward.setOldResourceProperties(createEvent().getResourceProperties());
    forward.setResourceProperties(createEvent().getResourceProperties());
    withVersions(forward, 3, 2);

    Map<String, Object> answer = run(forward);

    assertEquals("SUCCESS", answer.get("Status"), String.valueOf(answer));
    assertNotEquals(id, answer.get("PhysicalResourceId"));
    assertEquals(stripe.secretOf((String) answer.get("PhysicalResourceId")), currentKey(secretArn));
  }

  // ------------------------------------------------------------------ helpers

  private static void assertFailedWithReason(Map<String, Object> answer, String expected) {
    assertEquals("FAILED", answer.get("Status"), String.valueOf(answer));
    String reason = (String) answer.get("Reason");
    assertTrue(reason != null && reason.contains(expected), "reason: " + reason);
    assertNull(answer.get("Data"));
  }

  private static void waitUntil(BooleanSupplier condition, Duration atMost) throws InterruptedException {
    long deadline = System.nanoTime() + atMost.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not reached within " + atMost);
      }
      Thread.sleep(50);
    }
  }

  /** Writes to the real stdout and keeps a copy. */
  private static final class TeeStream extends java.io.OutputStream {
    private final PrintStream first;
    private final ByteArrayOutputStream second;

    TeeStream(PrintStream first, ByteArrayOutputStream second) {
      this.first = first;
      this.second = second;
    }

    @Override
    public synchronized void write(int b) {
      first.write(b);
      second.write(b);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
      first.write(b, off, len);
      second.write(b, off, len);
    }
  }
}
