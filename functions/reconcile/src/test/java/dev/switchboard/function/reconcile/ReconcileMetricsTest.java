package dev.switchboard.function.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.switchboard.config.Settings;
import dev.switchboard.crypto.SecretCipher;
import dev.switchboard.db.Database;
import dev.switchboard.db.DatabaseUrl;
import dev.switchboard.domain.Country;
import dev.switchboard.domain.Direction;
import dev.switchboard.domain.NumberType;
import dev.switchboard.domain.OrgId;
import dev.switchboard.json.Json;
import dev.switchboard.numbers.NumberSettings;
import dev.switchboard.numbers.ProvisionNumber;
import dev.switchboard.numbers.ProvisionRequest;
import dev.switchboard.numbers.ReleaseNumber;
import dev.switchboard.numbers.SagaHooks;
import dev.switchboard.providers.twilio.TwilioTelephony;
import dev.switchboard.providers.vapi.VapiVoicePlatform;
import dev.switchboard.testing.EmittedMetrics;
import dev.switchboard.testing.EmittedMetrics.Datum;
import dev.switchboard.testing.TestWorld;
import dev.switchboard.testing.fake.FakeTwilio;
import dev.switchboard.testing.fake.Fault;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What the real reconciler emits, read back from its output: after every run, its backlog
 * (pending clean-ups, interrupted provisionings, orphans found), and the release steps it
 * retried and the numbers it released.
 */
class ReconcileMetricsTest {
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

  private List<Datum> run(String event) throws Exception {
    return EmittedMetrics.during(() -> new ReconcileHandler(settings, SagaHooks.NONE)
        .handleRequest(new ByteArrayInputStream(event.getBytes(StandardCharsets.UTF_8)), new ByteArrayOutputStream(), null));
  }

  private List<Datum> runScheduled() throws Exception {
    return run(Files.readString(Path.of("events/schedule-reconcile.json")));
  }

  private UUID provision() {
    var answer = new ProvisionNumber(database, TwilioTelephony.from(settings), VapiVoicePlatform.from(settings),
        SecretCipher.fromHexKey(TestWorld.ENCRYPTION_KEY), NumberSettings.from(settings), SagaHooks.NONE)
        .provision(new OrgId(org), new ProvisionRequest(Country.US, NumberType.LOCAL, Optional.empty(), Direction.INBOUND,
            Optional.empty()), Optional.empty());
    assertEquals(201, answer.status(), answer.body());
    return UUID.fromString(Json.parseObject(answer.body()).string("id"));
  }

  @Test
  void aStuckRelease_isBacklog_untilARunRetriesItsStep_andReleasesIt() throws Exception {
    UUID id = provision();
    world.twilio().failNext(FakeTwilio.RELEASE, Fault.status(500));
    var answer = new ReleaseNumber(database, TwilioTelephony.from(settings), VapiVoicePlatform.from(settings),
        NumberSettings.from(settings), SagaHooks.NONE).release(new OrgId(org), id);
    assertEquals(202, answer.status(), answer.body());

    List<Datum> backingOff = runScheduled();
    assertEquals(1, EmittedMetrics.sum(backingOff, "PendingCleanups"));
    assertEquals(0, EmittedMetrics.sum(backingOff, "ReleaseStepsRetried"));

    world.expireLeases();
    List<Datum> retried = runScheduled();
    assertEquals(1, EmittedMetrics.sum(retried, "ReleaseStepsRetried"), "only Twilio's step was left");
    assertEquals(1, EmittedMetrics.sum(retried, "NumbersReleased"));
    assertEquals(0, EmittedMetrics.sum(retried, "PendingCleanups"));
    // the run's own provider calls are timed too: Twilio's release answered this time
    Map<String, String> twilioRelease = Map.of("Provider", "twilio", "Operation", "release");
    assertEquals(1, retried.stream().filter(d -> d.name().equals("ProviderLatency")
        && d.dimensions().equals(twilioRelease)).count());
    assertEquals(0, EmittedMetrics.sum(retried, "ProviderErrors", twilioRelease));
  }

  @Test
  void aProvisioningNoRequestWorksOn_isAnInterruptedSaga_andAnUnaccountedNumberAnOrphan() throws Exception {
    provision();
    String accountSid = (String) world.db().row("SELECT account_sid FROM twilio_subaccounts").get("account_sid");
    world.twilio().plantNumber(accountSid, "+14155550999");
    // a saga whose Lambda died: its lease lapsed, and its back-off keeps this run from undoing it
    world.db().update("INSERT INTO managed_phone_numbers (org_id, country_code, number_type, routing_direction, status, "
        + "price_pence, lease_expires_at, next_attempt_at) VALUES (?, 'US', 'local', 'outbound', 'provisioning', 1000, "
        + "now() - interval '1 minute', now() + interval '1 hour')", org);

    List<Datum> data = runScheduled();

    assertEquals(1, EmittedMetrics.sum(data, "InterruptedSagas"));
    assertEquals(1, EmittedMetrics.sum(data, "OrphansFound"));
    assertEquals(0, EmittedMetrics.sum(data, "PendingCleanups"));
  }

  @Test
  void aDryRun_emitsNoBacklog() throws Exception {
    provision();

    List<Datum> data = run("{\"dryRun\":true}");

    assertEquals(Map.of(), EmittedMetrics.sums(data, "PendingCleanups"));
    assertEquals(Map.of(), EmittedMetrics.sums(data, "OrphansFound"));
  }
}
