package dev.switchboard.function.reconcile;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import dev.switchboard.config.Credential;
import dev.switchboard.config.Settings;
import dev.switchboard.crypto.SecretCipher;
import dev.switchboard.db.Database;
import dev.switchboard.json.Json;
import dev.switchboard.json.JsonException;
import dev.switchboard.json.JsonObject;
import dev.switchboard.log.Log;
import dev.switchboard.numbers.NumberSettings;
import dev.switchboard.numbers.ReconcileNumbers;
import dev.switchboard.numbers.ReencryptSubaccountTokens;
import dev.switchboard.numbers.SagaHooks;
import dev.switchboard.providers.twilio.TwilioTelephony;
import dev.switchboard.providers.vapi.VapiVoicePlatform;
import dev.switchboard.wiring.Platform;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * The scheduled reconciler. Its event is an EventBridge schedule event, or any JSON object;
 * {@code "dryRun": true} (at the top or in {@code detail}) only reports. Answers the summary.
 */
public final class ReconcileHandler implements RequestStreamHandler {
  /** Stop taking new work this long before the function's timeout. */
  private static final long SAFETY_MARGIN_MILLIS = 20_000;

  /** Subaccount tokens moved to the newest encryption key per run (see {@link ReencryptSubaccountTokens}). */
  static final int REENCRYPT_BATCH = 100;

  private final ReconcileNumbers reconcile;
  private final Optional<ReencryptSubaccountTokens> reencrypt;

  /** The Lambda runtime's constructor: everything built once per container. */
  public ReconcileHandler() {
    this(Settings.fromEnvironment(), SagaHooks.NONE);
  }

  public ReconcileHandler(Settings settings, SagaHooks hooks) {
    this(Platform.from(settings).database(), settings, hooks);
  }

  private ReconcileHandler(Database database, Settings settings, SagaHooks hooks) {
    this(new ReconcileNumbers(database, TwilioTelephony.from(settings), VapiVoicePlatform.from(settings),
            NumberSettings.from(settings), hooks),
        // the re-encrypt step of a key rotation runs where ENCRYPTION_KEY is given
        settings.get("ENCRYPTION_KEY").map(key -> new ReencryptSubaccountTokens(database,
            SecretCipher.from(new Credential(settings, "ENCRYPTION_KEY")))));
  }

  public ReconcileHandler(ReconcileNumbers reconcile) {
    this(reconcile, Optional.empty());
  }

  public ReconcileHandler(ReconcileNumbers reconcile, Optional<ReencryptSubaccountTokens> reencrypt) {
    this.reconcile = reconcile;
    this.reencrypt = reencrypt;
  }

  @Override
  public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
    boolean dryRun = dryRun(new String(input.readAllBytes(), StandardCharsets.UTF_8));
    BooleanSupplier timeLeft = () -> context == null || context.getRemainingTimeInMillis() > SAFETY_MARGIN_MILLIS;
    // every line of this run carries its AWS request id
    Map<String, Object> summary = Log.inRequest(context == null ? null : context.getAwsRequestId(), () -> {
      Map<String, Object> s = new LinkedHashMap<>(reconcile.run(dryRun, timeLeft));
      if (reencrypt.isPresent() && timeLeft.getAsBoolean()) {
        ReencryptSubaccountTokens.Result r = reencrypt.get().run(REENCRYPT_BATCH, dryRun);
        s.put("reencryptedSecrets", r.reencrypted());
        s.put("undecryptableSecrets", r.undecryptable());
      }
      return s;
    });
    output.write(Json.write(summary).getBytes(StandardCharsets.UTF_8));
  }

  static boolean dryRun(String event) {
    if (event.isBlank()) {
      return false;
    }
    try {
      JsonObject o = Json.parseObject(event);
      return o.optBoolean("dryRun").orElse(false)
          || o.optObject("detail").flatMap(d -> d.optBoolean("dryRun")).orElse(false);
    } catch (JsonException e) {
      // never guess: a mistyped dry run must not change anything
      throw new IllegalArgumentException("the reconcile event must be a JSON object; " + e.getMessage());
    }
  }
}
