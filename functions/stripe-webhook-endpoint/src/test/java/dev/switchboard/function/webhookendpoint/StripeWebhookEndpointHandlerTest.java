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
  private StripeWebhookEndpointHandler handler;
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
    handler = handler(Map.of());
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

  private StripeWebhookEndpointHandler handler(Map<String, String> overrides) {
    Map<String, String> env = new HashMap<>(Map.of(
        "STRIPE_API_KEY", FakeStripe.DEFAULT_API_KEY,
        "STRIPE_API_BASE_URL", stripe.baseUrl(),
        "PROVIDER_READ_TIMEOUT_MS", "1000"));
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
    return run(handler, event, PLENTY);
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
    Map<String, Object> answer = run(handler(Map.of("STRIPE_API_KEY", "")), createEvent(), PLENTY);

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
    StripeWebhookEndpointHandler slow = handler(Map.of("PROVIDER_READ_TIMEOUT_MS", "3000"));
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
    assertEquals(List.of(secret), secretsManager.versionsWritten(secretArn), "no new secret written");
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
  void delete_whenStripeFails_answersFailedAndTheEndpointStays() {
    String id = createdEndpointId();
    stripe.failAlways(FakeStripe.DELETE_ENDPOINT, Fault.status(500));

    Map<String, Object> answer = run(deleteEvent(id));

    assertFailedWithReason(answer, "delete webhook endpoint");
    assertEquals(id, answer.get("PhysicalResourceId"));
    assertTrue(stripe.endpoint(id).isPresent());
  }

  @Test
  void delete_whenTheAnswerCannotBeDelivered_stillDeletesAndDoesNotThrow() {
    String id = createdEndpointId();
    cloudFormation.failNext(FakeCloudFormation.RESPOND, Fault.status(403, "AccessDenied", "Request has expired"));

    handler.handleRequest(deleteEvent(id), new LambdaContext("StripeWebhookEndpointFunction", PLENTY));

    assertTrue(stripe.endpoints().isEmpty());
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
