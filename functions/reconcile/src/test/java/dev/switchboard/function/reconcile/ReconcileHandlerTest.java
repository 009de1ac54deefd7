package dev.switchboard.function.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.config.Settings;
import dev.switchboard.crypto.SecretCipher;
import dev.switchboard.db.Database;
import dev.switchboard.db.DatabaseUrl;
import dev.switchboard.domain.Country;
import dev.switchboard.domain.Direction;
import dev.switchboard.domain.NumberType;
import dev.switchboard.domain.OrgId;
import dev.switchboard.json.Json;
import dev.switchboard.json.JsonObject;
import dev.switchboard.numbers.NumberSettings;
import dev.switchboard.numbers.ProvisionNumber;
import dev.switchboard.numbers.ProvisionRequest;
import dev.switchboard.numbers.ReleaseNumber;
import dev.switchboard.numbers.SagaHooks;
import dev.switchboard.providers.twilio.TwilioTelephony;
import dev.switchboard.providers.vapi.VapiVoicePlatform;
import dev.switchboard.testing.TestWorld;
import dev.switchboard.testing.fake.FakeTwilio;
import dev.switchboard.testing.fake.FakeVapi;
import dev.switchboard.testing.fake.Fault;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The scheduled reconciler, fed the schedule event of events/. */
class ReconcileHandlerTest {
  @RegisterExtension final TestWorld world = TestWorld.providers();
  private Settings settings;
  private Database database;
  private UUID org;

  @BeforeEach
  void setUp() {
    settings = Settings.of(world.settings());
    database = new Database(DatabaseUrl.parse(world.db().jdbcUrl()));
    org = world.db().organization("Acme Dental", 5000);
  }

  @AfterEach
  void tearDown() {
    database.closeIdleConnections();
  }

  private JsonObject run(String event) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    new ReconcileHandler(settings, SagaHooks.NONE)
        .handleRequest(new ByteArrayInputStream(event.getBytes(StandardCharsets.UTF_8)), out, null);
    return Json.parseObject(out.toString(StandardCharsets.UTF_8));
  }

  private JsonObject runScheduled() throws IOException {
    return run(Files.readString(Path.of("events/schedule-reconcile.json")));
  }

  private UUID provision(Direction direction) {
    var answer = new ProvisionNumber(database, TwilioTelephony.from(settings), VapiVoicePlatform.from(settings),
        SecretCipher.fromHexKey(TestWorld.ENCRYPTION_KEY), NumberSettings.from(settings), SagaHooks.NONE)
        .provision(new OrgId(org), new ProvisionRequest(Country.US, NumberType.LOCAL, Optional.empty(), direction,
            Optional.empty()), Optional.empty());
    assertEquals(201, answer.status(), answer.body());
    return UUID.fromString(Json.parseObject(answer.body()).string("id"));
  }

  /** A release whose Twilio step keeps failing: left 'releasing'. */
  private UUID stuckRelease() {
    UUID id = provision(Direction.INBOUND);
    world.twilio().failNext(FakeTwilio.RELEASE, Fault.status(500));
    var answer = new ReleaseNumber(database, TwilioTelephony.from(settings), VapiVoicePlatform.from(settings),
        NumberSettings.from(settings), SagaHooks.NONE).release(new OrgId(org), id);
    assertEquals(202, answer.status(), answer.body());
    return id;
  }

  private String status(UUID id) {
    return (String) world.db().row("SELECT status FROM managed_phone_numbers WHERE id = ?", id).get("status");
  }

  @Test
  void reconcile_finishesAStuckRelease_onceItsBackOffHasPassed() throws IOException {
    UUID id = stuckRelease();

    JsonObject early = runScheduled();
    assertEquals(0, early.longValue("finishedReleases"), "backing off: not retried at once");
    assertEquals("releasing", status(id));

    world.expireLeases();
    JsonObject summary = runScheduled();
    assertEquals(1, summary.longValue("finishedReleases"), summary.toString());
    assertEquals("released", status(id));
    assertEquals(2, world.twilio().count(FakeTwilio.RELEASE));
    assertEquals(1, world.vapi().count(FakeVapi.DELETE));
    world.assertInvariant9();
  }

  @Test
  void reconcile_whenTheProviderStillFails_reportsThePendingStepsAndBacksOff() throws IOException {
    UUID id = stuckRelease();
    world.twilio().failAlways(FakeTwilio.RELEASE, Fault.status(500));
    world.expireLeases();

    JsonObject summary = runScheduled();
    assertEquals(0, summary.longValue("finishedReleases"));
    assertEquals(1, summary.list("errors").size(), summary.toString());
    assertEquals("releasing", status(id));
    assertTrue(world.db().count("SELECT count(*) FROM managed_phone_numbers WHERE id = ? AND next_attempt_at > now() "
        + "AND attempts = 2", id) == 1, "attempt recorded with back-off");
  }

  @Test
  void reconcile_reportsNumbersHeldAtTheProvidersThatNoRecordAccountsFor() throws IOException {
    provision(Direction.INBOUND);
    String accountSid = (String) world.db().row("SELECT account_sid FROM twilio_subaccounts").get("account_sid");
    FakeTwilio.HeldNumber planted = world.twilio().plantNumber(accountSid, "+14155550999");
    world.vapi().plant("+14155550888", accountSid);

    JsonObject summary = runScheduled();

    List<Object> orphans = summary.list("orphans");
    assertEquals(2, orphans.size(), summary.toString());
    Map<?, ?> twilioOrphan = (Map<?, ?>) orphans.stream()
        .filter(o -> "twilio".equals(((Map<?, ?>) o).get("provider"))).findFirst().orElseThrow();
    assertEquals(accountSid, twilioOrphan.get("accountSid"));
    assertEquals(planted.sid(), twilioOrphan.get("sid"));
    assertEquals("+14155550999", twilioOrphan.get("phoneNumber"));
    assertEquals(org.toString(), twilioOrphan.get("orgId"));
    assertTrue(orphans.stream().anyMatch(o -> "+14155550888".equals(((Map<?, ?>) o).get("phoneNumber"))));
  }

  @Test
  void reconcile_orphanSweep_coversEverySubaccountOverSuccessiveRuns_beyondOnePage() throws IOException {
    // pages of 2 subaccounts; the orphan sits in the last of 5, on the third page
    java.util.Map<String, String> env = new java.util.HashMap<>(world.settings());
    env.put("RECONCILE_SUBACCOUNTS_PER_RUN", "2");
    settings = Settings.of(env);
    List<String> sids = new java.util.ArrayList<>();
    for (int i = 0; i < 5; i++) {
      UUID owner = world.db().organization("Org " + i, 0);
      FakeTwilio.Account account = world.twilio().plantSubaccount("Org " + i);
      world.db().update("""
          INSERT INTO twilio_subaccounts (org_id, account_sid, auth_token_encrypted, friendly_name)
          VALUES (?, ?, '000000000000000000000000:00000000000000000000000000000000:00', ?)""",
          owner, account.sid(), "Org " + i);
    }
    String last = (String) world.db().row("SELECT account_sid FROM twilio_subaccounts ORDER BY id DESC LIMIT 1")
        .get("account_sid");
    world.twilio().plantNumber(last, "+14155550777");

    List<Integer> foundInRun = new java.util.ArrayList<>();
    for (int run = 1; run <= 4; run++) {
      if (!runScheduled().list("orphans").isEmpty()) {
        foundInRun.add(run);
      }
    }

    assertEquals(List.of(3), foundInRun, "the third page holds it; the fourth run starts over at the first page");
    assertEquals(2 + 2 + 1 + 2, world.twilio().count(FakeTwilio.LIST_NUMBERS), "one page per run, in turn");
  }

  @Test
  void reconcile_dryRun_reportsButChangesNothing() throws IOException {
    UUID id = stuckRelease();
    world.expireLeases();

    JsonObject summary = run("{\"dryRun\": true}");

    assertEquals(Boolean.TRUE, summary.optBoolean("dryRun").orElseThrow());
    assertEquals(1, summary.list("pending").size(), summary.toString());
    assertEquals("releasing", status(id));
    assertEquals(1, world.twilio().count(FakeTwilio.RELEASE), "no provider call in a dry run");
  }

  @Test
  void reconcile_rejectsAMalformedEventRatherThanGuessing() {
    assertThrows(IllegalArgumentException.class, () -> run("{\"dryRun\": \"yes\""));
  }

  @Test
  void reconcile_twoRunsAtOnce_finishEachNumberOnce() throws Exception {
    UUID a = stuckRelease();
    UUID other = world.db().organization("Second Org", 5000);
    UUID keep = org;
    org = other;
    UUID b = stuckRelease();
    org = keep;
    world.expireLeases();

    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Future<JsonObject> one = pool.submit(this::runScheduled);
      Future<JsonObject> two = pool.submit(this::runScheduled);
      long finished = one.get(30, TimeUnit.SECONDS).longValue("finishedReleases")
          + two.get(30, TimeUnit.SECONDS).longValue("finishedReleases");
      assertEquals(2, finished);
    } finally {
      pool.shutdownNow();
    }
    assertEquals("released", status(a));
    assertEquals("released", status(b));
    assertEquals(4, world.twilio().count(FakeTwilio.RELEASE), "one failed and one successful call per number");
  }
}
