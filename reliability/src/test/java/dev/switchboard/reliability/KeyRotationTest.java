package dev.switchboard.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.switchboard.config.Settings;
import dev.switchboard.function.provision.ProvisionNumberHandler;
import dev.switchboard.function.reconcile.ReconcileHandler;
import dev.switchboard.json.Json;
import dev.switchboard.json.JsonObject;
import dev.switchboard.numbers.SagaHooks;
import dev.switchboard.testing.LegacyCiphertexts;
import dev.switchboard.testing.TestWorld;
import dev.switchboard.testing.fake.FakeTwilio;
import dev.switchboard.testing.fake.FakeVapi;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Secrets at rest: rotating ENCRYPTION_KEY (new writes under the newest key, old
 * rows still read, the reconciler's re-encrypt step moves them, then the old key can go), rows
 * written before key ids existed, and a token copied into another org's row.
 */
class KeyRotationTest {
  @RegisterExtension final TestWorld world = TestWorld.providers().asApplicationRole();
  static final String OLD_KEY = TestWorld.ENCRYPTION_KEY;
  static final String NEW_KEY = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90";

  private Rig rig;
  private UUID org;

  @BeforeEach
  void setUp() {
    rig = new Rig(world);
    org = rig.eventOrg();
  }

  @AfterEach
  void tearDown() {
    rig.close();
  }

  private Settings with(String encryptionKey) {
    Map<String, String> env = new HashMap<>(rig.env());
    env.put("ENCRYPTION_KEY", encryptionKey);
    return Settings.of(env);
  }

  private APIGatewayV2HTTPResponse provision(String encryptionKey, UUID orgId, String direction) {
    return new ProvisionNumberHandler(with(encryptionKey), SagaHooks.NONE)
        .handleRequest(Rig.provisionEvent(orgId, direction, null), null);
  }

  private JsonObject reconcile(String encryptionKey, boolean dryRun) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    new ReconcileHandler(with(encryptionKey), SagaHooks.NONE).handleRequest(
        new ByteArrayInputStream(("{\"dryRun\":" + dryRun + "}").getBytes(StandardCharsets.UTF_8)), out, null);
    return Json.parseObject(out.toString(StandardCharsets.UTF_8));
  }

  private String storedToken(UUID orgId) {
    return (String) rig.world.db.row("SELECT auth_token_encrypted FROM twilio_subaccounts WHERE org_id = ?", orgId)
        .get("auth_token_encrypted");
  }

  @Test
  void aRotation_keepsOldRowsReadable_theReencryptStepMovesThem_andThenTheOldKeyCanGo() throws Exception {
    assertEquals(201, provision(OLD_KEY, org, "inbound").getStatusCode());
    assertTrue(storedToken(org).startsWith("v2:k0:"), storedToken(org));
    // a subaccount token written before key ids and row binding existed
    UUID legacyOrg = rig.otherOrg("Legacy Dental");
    FakeTwilio.Account legacyAccount = rig.world.twilio.plantSubaccount("Legacy Dental (legacy)");
    rig.world.db.update("INSERT INTO twilio_subaccounts (org_id, account_sid, auth_token_encrypted, friendly_name)"
        + " VALUES (?, ?, ?, 'Legacy Dental (legacy)')", legacyOrg, legacyAccount.sid(),
        LegacyCiphertexts.encrypt(OLD_KEY, legacyAccount.authToken()));

    String ring = "k1:" + NEW_KEY + ",k0:" + OLD_KEY;
    // old rows still read under the ring: a second number for each org needs each stored token
    assertEquals(201, provision(ring, org, "outbound").getStatusCode());
    assertEquals(201, provision(ring, legacyOrg, "outbound").getStatusCode());

    JsonObject dry = reconcile(ring, true);
    assertEquals(2, dry.optLong("reencryptedSecrets").orElseThrow(), dry.toString());
    assertTrue(storedToken(org).startsWith("v2:k0:"), "a dry run changes nothing");

    JsonObject done = reconcile(ring, false);
    assertEquals(2, done.optLong("reencryptedSecrets").orElseThrow(), done.toString());
    assertEquals(0, done.optLong("undecryptableSecrets").orElseThrow());
    assertTrue(storedToken(org).startsWith("v2:k1:") && storedToken(legacyOrg).startsWith("v2:k1:"));
    assertEquals(0, reconcile(ring, false).optLong("reencryptedSecrets").orElseThrow(), "nothing left to move");

    // the old key is gone from the ring: every row still opens
    assertEquals(201, provision("k1:" + NEW_KEY, org, "unassigned").getStatusCode());
    assertEquals(201, provision("k1:" + NEW_KEY, legacyOrg, "unassigned").getStatusCode());
  }

  @Test
  void aTokenCopiedIntoAnotherOrgsRow_doesNotDecrypt_andTheAttemptIsRefunded() {
    UUID other = rig.otherOrg("Other Dental");
    assertEquals(201, provision(OLD_KEY, org, "inbound").getStatusCode());
    assertEquals(201, provision(OLD_KEY, other, "inbound").getStatusCode());
    long balance = rig.world.db.balance(org);
    // someone with write access to the table swaps org's token for the other org's
    rig.world.db.update("UPDATE twilio_subaccounts SET auth_token_encrypted = ? WHERE org_id = ?", storedToken(other), org);

    APIGatewayV2HTTPResponse r = provision(OLD_KEY, org, "outbound");

    assertEquals(502, r.getStatusCode(), r.getBody());
    assertEquals("vapi_import", Json.parseObject(r.getBody()).object("error").string("failedStep"));
    assertEquals(2, rig.world.vapi.successCount(FakeVapi.CREATE), "no import with the other org's token");
    assertEquals(balance, rig.world.db.balance(org), "refunded");
    assertEquals(rig.world.db.ledgerSum(org), rig.world.db.balance(org));
  }
}
