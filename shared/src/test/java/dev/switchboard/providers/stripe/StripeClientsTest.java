package dev.switchboard.providers.stripe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.stripe.Stripe;
import com.stripe.StripeClient;
import com.stripe.exception.StripeException;
import com.stripe.model.StripeCollection;
import com.stripe.model.WebhookEndpoint;
import com.stripe.model.checkout.Session;
import com.stripe.net.RequestOptions;
import com.stripe.param.WebhookEndpointCreateParams;
import com.stripe.param.WebhookEndpointListParams;
import com.stripe.param.WebhookEndpointUpdateParams;
import com.stripe.param.checkout.SessionCreateParams;
import dev.switchboard.config.MissingConfigException;
import dev.switchboard.config.Settings;
import dev.switchboard.providers.ProviderException;
import dev.switchboard.providers.ProviderRejected;
import dev.switchboard.providers.ProviderUnavailable;
import dev.switchboard.testing.Await;
import dev.switchboard.testing.Events;
import dev.switchboard.testing.fake.FakeStripe;
import dev.switchboard.testing.fake.FakeStripeEndpoint;
import dev.switchboard.testing.fake.Fault;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The real stripe-java client, built by {@link StripeClients}, against the fake Stripe. */
class StripeClientsTest {
  private static final String WEBHOOK_URL = "https://api.example.test/webhooks/stripe";
  private static final String ORG = Events.ORG.toString();

  private FakeStripe stripe;
  private StripeClient client;

  @BeforeEach
  void setUp() {
    stripe = new FakeStripe();
    client = StripeClients.from(settings(FakeStripe.DEFAULT_API_KEY, "1000"));
  }

  @AfterEach
  void tearDown() {
    stripe.close();
  }

  private Settings settings(String apiKey, String readTimeoutMs) {
    Map<String, String> env = new HashMap<>();
    env.put("STRIPE_API_KEY", apiKey);
    env.put("STRIPE_API_BASE_URL", stripe.baseUrl());
    env.put("PROVIDER_CONNECT_TIMEOUT_MS", "1000");
    env.put("PROVIDER_READ_TIMEOUT_MS", readTimeoutMs);
    return Settings.of(env);
  }

  private static SessionCreateParams topUp(long pence) {
    Map<String, String> metadata = Map.of("type", "wallet_topup", "org_id", ORG, "amount_pence", Long.toString(pence));
    return SessionCreateParams.builder()
        .setMode(SessionCreateParams.Mode.PAYMENT)
        .setSuccessUrl("https://app.example.test/wallet?paid=1")
        .setCancelUrl("https://app.example.test/wallet")
        .setClientReferenceId(ORG)
        .putAllMetadata(metadata)
        .setPaymentIntentData(SessionCreateParams.PaymentIntentData.builder()
            .putAllMetadata(metadata)
            .setSetupFutureUsage(SessionCreateParams.PaymentIntentData.SetupFutureUsage.OFF_SESSION)
            .build())
        .addLineItem(SessionCreateParams.LineItem.builder()
            .setQuantity(1L)
            .setPriceData(SessionCreateParams.LineItem.PriceData.builder()
                .setCurrency("gbp")
                .setUnitAmount(pence)
                .setProductData(SessionCreateParams.LineItem.PriceData.ProductData.builder()
                    .setName("Wallet top-up").build())
                .build())
            .build())
        .build();
  }

  private WebhookEndpoint createEndpoint(String url) throws StripeException {
    return createEndpoint(url, RequestOptions.getDefault());
  }

  private WebhookEndpoint createEndpoint(String url, RequestOptions options) throws StripeException {
    return client.v1().webhookEndpoints().create(WebhookEndpointCreateParams.builder()
        .setUrl(url)
        .addEnabledEvent(WebhookEndpointCreateParams.EnabledEvent.CHECKOUT__SESSION__COMPLETED)
        .addEnabledEvent(WebhookEndpointCreateParams.EnabledEvent.PAYMENT_INTENT__SUCCEEDED)
        .addEnabledEvent(WebhookEndpointCreateParams.EnabledEvent.CHARGE__REFUNDED)
        .setApiVersion(WebhookEndpointCreateParams.ApiVersion.VERSION_2026_07_29_DAHLIA)
        .setDescription("Switchboard wallet")
        .putMetadata("stack_id", "arn:aws:cloudformation:eu-west-2:123456789012:stack/switchboard/abc")
        .putMetadata("logical_resource_id", "StripeWebhookEndpoint")
        .build(), options);
  }

  @Test
  void checkoutSession_isCreatedWithItsMetadataAndTheCardSavedForLater() throws StripeException {
    Session session = client.v1().checkout().sessions().create(topUp(5000));

    assertTrue(session.getId().startsWith("cs_test_"));
    assertEquals("https://checkout.stripe.com/c/pay/" + session.getId(), session.getUrl());
    assertEquals(5000L, session.getAmountTotal());
    assertEquals("gbp", session.getCurrency());
    assertEquals("payment", session.getMode());
    assertEquals("unpaid", session.getPaymentStatus());
    assertEquals("open", session.getStatus());
    assertNull(session.getPaymentIntent());
    assertEquals(ORG, session.getClientReferenceId());
    assertEquals("wallet_topup", session.getMetadata().get("type"));
    assertEquals(ORG, session.getMetadata().get("org_id"));

    Map<String, Object> form = stripe.sessionForm(session.getId());
    @SuppressWarnings("unchecked")
    Map<String, Object> intentData = (Map<String, Object>) form.get("payment_intent_data");
    assertEquals("off_session", intentData.get("setup_future_usage"));
    assertEquals(Map.of("type", "wallet_topup", "org_id", ORG, "amount_pence", "5000"), intentData.get("metadata"));
  }

  @Test
  void checkoutSession_isRetrieved_andPaidOnceCompleted() throws StripeException {
    Session created = client.v1().checkout().sessions().create(topUp(2500));
    stripe.completeSession(created.getId());

    Session paid = client.v1().checkout().sessions().retrieve(created.getId());

    assertEquals("paid", paid.getPaymentStatus());
    assertEquals("complete", paid.getStatus());
    assertTrue(paid.getPaymentIntent().startsWith("pi_"));
  }

  @Test
  void everyRequest_carriesTheSdksApiVersion_andEveryPostAnIdempotencyKey() throws StripeException {
    client.v1().checkout().sessions().create(topUp(2500));

    var request = stripe.journal().get(0).request();
    assertEquals(Stripe.API_VERSION, request.header("Stripe-Version"));
    assertNotNull(request.header("Idempotency-Key"));
  }

  @Test
  void webhookEndpoint_isCreatedWithItsSecretOnlyThen_andListedUpdatedDeleted() throws StripeException {
    WebhookEndpoint created = createEndpoint(WEBHOOK_URL);

    assertTrue(created.getSecret().startsWith("whsec_"));
    assertEquals(stripe.secretOf(created.getId()).orElseThrow(), created.getSecret());
    assertEquals(Stripe.API_VERSION, created.getApiVersion());
    assertEquals(List.of("checkout.session.completed", "payment_intent.succeeded", "charge.refunded"),
        created.getEnabledEvents());
    assertEquals("StripeWebhookEndpoint", created.getMetadata().get("logical_resource_id"));

    WebhookEndpoint retrieved = client.v1().webhookEndpoints().retrieve(created.getId());
    assertNull(retrieved.getSecret());
    assertEquals(WEBHOOK_URL, retrieved.getUrl());

    WebhookEndpoint updated = client.v1().webhookEndpoints().update(created.getId(),
        WebhookEndpointUpdateParams.builder()
            .setUrl(WEBHOOK_URL + "?v=2")
            .addEnabledEvent(WebhookEndpointUpdateParams.EnabledEvent.CHECKOUT__SESSION__COMPLETED)
            .build());
    assertEquals(WEBHOOK_URL + "?v=2", updated.getUrl());
    assertEquals(List.of("checkout.session.completed"), updated.getEnabledEvents());
    assertNull(updated.getSecret());
    assertEquals("StripeWebhookEndpoint", updated.getMetadata().get("logical_resource_id"));

    WebhookEndpoint deleted = client.v1().webhookEndpoints().delete(created.getId());
    assertTrue(deleted.getDeleted());
    assertTrue(stripe.endpoints().isEmpty());
  }

  @Test
  void webhookEndpoints_arePagedByTheSdk_newestFirst() throws StripeException {
    List<String> planted = new ArrayList<>();
    for (int i = 0; i < 23; i++) {
      planted.add(stripe.plantEndpoint("https://old.example.test/" + i, List.of("*")).id());
    }

    StripeCollection<WebhookEndpoint> first = client.v1().webhookEndpoints().list(WebhookEndpointListParams.builder().build());
    assertEquals(10, first.getData().size());
    assertTrue(first.getHasMore());
    assertEquals(planted.get(22), first.getData().get(0).getId());

    List<String> all = new ArrayList<>();
    first.autoPagingIterable().forEach(e -> all.add(e.getId()));
    assertEquals(23, all.size());
    List<String> newestFirst = new ArrayList<>(planted);
    Collections.reverse(newestFirst);
    assertEquals(newestFirst, all);
    assertEquals(3, stripe.count(FakeStripe.LIST_ENDPOINTS));
  }

  @Test
  void create_whoseAnswerIsLost_isRetriedWithTheSameKey_andCreatesOneEndpoint() throws Exception {
    stripe.failNext(FakeStripe.CREATE_ENDPOINT, Fault.lateSuccess(Duration.ofMillis(2000)));

    WebhookEndpoint created = createEndpoint(WEBHOOK_URL);

    // the first attempt is journaled when it lands, after the client gave up on it
    Await.until("the first attempt landed", () -> stripe.count(FakeStripe.CREATE_ENDPOINT) >= 2);
    assertEquals(1, stripe.endpoints().size());
    assertEquals(stripe.endpoints().get(0).id(), created.getId());
    assertEquals(2, stripe.count(FakeStripe.CREATE_ENDPOINT));
    var attempts = stripe.journal().stream().filter(r -> FakeStripe.CREATE_ENDPOINT.equals(r.route())).toList();
    assertEquals(attempts.get(0).request().header("Idempotency-Key"), attempts.get(1).request().header("Idempotency-Key"));
  }

  @Test
  void aStripe500_isNotRetried_becauseStripeKeptItUnderTheKey_andIsUnavailable_withStripesRequestId() {
    stripe.failNext(FakeStripe.CREATE_ENDPOINT, Fault.status(500));

    StripeException e = assertThrows(StripeException.class, () -> createEndpoint(WEBHOOK_URL));
    ProviderException mapped = StripeFailures.map(e, "create webhook endpoint");

    ProviderUnavailable unavailable = assertInstanceOf(ProviderUnavailable.class, mapped);
    assertEquals(500, unavailable.status());
    assertTrue(unavailable.requestId().startsWith("req_"));
    // Stripe answered Stripe-Should-Retry: false, and stripe-java obeys it over its 5xx rule
    assertEquals(1, stripe.count(FakeStripe.CREATE_ENDPOINT));
    assertTrue(stripe.endpoints().isEmpty());
  }

  @Test
  void aStripe500_isReplayedToARetryWithTheSameIdempotencyKey() throws StripeException {
    stripe.failNext(FakeStripe.CREATE_ENDPOINT, Fault.status(500));
    RequestOptions sameKey = RequestOptions.builder().setIdempotencyKey("create-endpoint-1").build();

    StripeException first = assertThrows(StripeException.class, () -> createEndpoint(WEBHOOK_URL, sameKey));
    StripeException again = assertThrows(StripeException.class, () -> createEndpoint(WEBHOOK_URL, sameKey));
    WebhookEndpoint withANewKey = createEndpoint(WEBHOOK_URL,
        RequestOptions.builder().setIdempotencyKey("create-endpoint-2").build());

    assertEquals(500, first.getStatusCode());
    assertEquals(500, again.getStatusCode(), "the same key gets the kept 500, not a new attempt");
    assertEquals(first.getRequestId(), again.getRequestId());
    assertEquals(List.of(withANewKey.getId()), stripe.endpoints().stream().map(FakeStripeEndpoint::id).toList());
  }

  @Test
  void aServerErrorStripeSaysToRetry_isRetriedWithTheSameKey_andCreatesOneEndpoint() throws StripeException {
    stripe.failNext(FakeStripe.CREATE_ENDPOINT, FakeStripe.retryable(503));

    WebhookEndpoint created = createEndpoint(WEBHOOK_URL);

    assertEquals(List.of(created.getId()), stripe.endpoints().stream().map(FakeStripeEndpoint::id).toList());
    var attempts = stripe.journal().stream().filter(r -> FakeStripe.CREATE_ENDPOINT.equals(r.route())).toList();
    assertEquals(2, attempts.size());
    assertEquals(attempts.get(0).request().header("Idempotency-Key"), attempts.get(1).request().header("Idempotency-Key"));
  }

  @Test
  void aStripe500_onARead_carriesNoRetryAdvice_andIsRetriedOnce() throws StripeException {
    String id = createEndpoint(WEBHOOK_URL).getId();
    stripe.failNext(FakeStripe.GET_ENDPOINT, Fault.status(500));

    assertEquals(id, client.v1().webhookEndpoints().retrieve(id).getId());
    assertEquals(2, stripe.count(FakeStripe.GET_ENDPOINT));
  }

  @Test
  void anUnknownEndpoint_isRejectedAsNotFound_withStripesCode() {
    StripeException e = assertThrows(StripeException.class,
        () -> client.v1().webhookEndpoints().delete("we_doesnotexist"));
    ProviderException mapped = StripeFailures.map(e, "delete webhook endpoint");

    ProviderRejected rejected = assertInstanceOf(ProviderRejected.class, mapped);
    assertTrue(rejected.isNotFound());
    assertEquals("resource_missing", rejected.code());
    assertTrue(rejected.requestId().startsWith("req_"));
    assertEquals(1, stripe.count(FakeStripe.DELETE_ENDPOINT)); // a 404 is not retried
  }

  @Test
  void aTimeoutOnEveryAttempt_isUnavailableWithNoStatus() {
    stripe.failAlways(FakeStripe.GET_ENDPOINT, Fault.delay(Duration.ofSeconds(2)));

    StripeException e = assertThrows(StripeException.class, () -> client.v1().webhookEndpoints().retrieve("we_x"));
    ProviderException mapped = StripeFailures.map(e, "retrieve webhook endpoint");

    assertInstanceOf(ProviderUnavailable.class, mapped);
    assertEquals(0, mapped.status());
  }

  @Test
  void aWrongKey_isRejectedWith401_andNeitherKeyIsInTheMessage() {
    StripeClient wrong = StripeClients.from(settings("sk_test_wrong_key_for_tests_1234", "1000"));

    StripeException e = assertThrows(StripeException.class, () -> wrong.v1().webhookEndpoints().list());
    ProviderException mapped = StripeFailures.map(e, "list webhook endpoints");

    assertEquals(401, assertInstanceOf(ProviderRejected.class, mapped).status());
    assertFalse(mapped.getMessage().contains("sk_test_wrong_key_for_tests_1234"));
    assertFalse(mapped.getMessage().contains(FakeStripe.DEFAULT_API_KEY));
  }

  @Test
  void aValidationError_isRejected_andNothingIsCreated() {
    StripeException e = assertThrows(StripeException.class, () -> createEndpoint("not a url"));

    ProviderRejected rejected = assertInstanceOf(ProviderRejected.class, StripeFailures.map(e, "create webhook endpoint"));
    assertEquals(400, rejected.status());
    assertEquals("parameter_invalid", rejected.code());
    assertTrue(stripe.endpoints().isEmpty());
  }

  @Test
  void from_withoutStripeApiKey_failsNamingIt() {
    MissingConfigException e = assertThrows(MissingConfigException.class,
        () -> StripeClients.from(Settings.of(Map.of("STRIPE_API_BASE_URL", stripe.baseUrl()))));

    assertEquals("STRIPE_API_KEY", e.name());
  }

  @Test
  void from_withABaseUrlThatIsNotHttp_failsNamingIt() {
    MissingConfigException e = assertThrows(MissingConfigException.class,
        () -> StripeClients.from(Settings.of(Map.of("STRIPE_API_KEY", "sk_test_x", "STRIPE_API_BASE_URL", "stripe"))));

    assertEquals("STRIPE_API_BASE_URL", e.name());
  }

  @Test
  void twoClients_keepTheirOwnKeys() throws StripeException {
    FakeStripe other = new FakeStripe("sk_test_other_account_for_tests");
    try {
      Map<String, String> env = new HashMap<>();
      env.put("STRIPE_API_KEY", "sk_test_other_account_for_tests");
      env.put("STRIPE_API_BASE_URL", other.baseUrl());
      StripeClient otherClient = StripeClients.from(Settings.of(env));

      createEndpoint(WEBHOOK_URL);
      otherClient.v1().webhookEndpoints().list();

      assertEquals(1, stripe.endpoints().size());
      assertNull(Stripe.apiKey);
      FakeStripeEndpoint only = stripe.endpoints().get(0);
      assertEquals(WEBHOOK_URL, only.url());
    } finally {
      other.close();
    }
  }
}
