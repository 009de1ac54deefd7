package dev.switchboard.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The nine deployables (as template.yaml names their handlers) and the bench's own jars. */
final class Deployables {
  /**
   * One function: its module, its handler, the event its cold start is measured with, its
   * cold-start target, and the SDKs it uses (any other must be absent from its jar).
   */
  record Function(String module, String handler, String eventName, String coldStartTarget,
                  boolean usesTwilio, boolean usesStripe) {
    Path jar() {
      return Path.of("functions", module, "target", "function.jar");
    }
  }

  static final List<Function> FUNCTIONS = List.of(
      new Function("list-numbers", "dev.switchboard.function.listnumbers.ListNumbersHandler",
          "GET /phone-numbers", "≤1.5×bare", false, false),
      new Function("provision-number", "dev.switchboard.function.provision.ProvisionNumberHandler",
          "POST /phone-numbers", "≤0.5×all-SDKs", true, false),
      new Function("release-number", "dev.switchboard.function.release.ReleaseNumberHandler",
          "DELETE /phone-numbers/{id}", "", true, false),
      new Function("reconcile", "dev.switchboard.function.reconcile.ReconcileHandler",
          "scheduled", "", true, false),
      new Function("stripe-webhook", "dev.switchboard.function.webhook.StripeWebhookHandler",
          "POST /webhooks/stripe", "≤3×bare", false, true),
      new Function("wallet", "dev.switchboard.function.wallet.WalletHandler", "GET /wallet", "", false, true),
      new Function("database-migration", "dev.switchboard.function.migration.DatabaseMigrationHandler",
          "CloudFormation Update", "", false, false),
      new Function("stripe-webhook-endpoint",
          "dev.switchboard.function.webhookendpoint.StripeWebhookEndpointHandler", "CloudFormation", "", false, true),
      new Function("authorizer", "dev.switchboard.function.authorizer.AuthorizerHandler",
          "lambda mode, ES256 token, JWKS fetched", "", false, false));

  private Deployables() {}

  /** A jar the bench module builds (launcher.jar, baseline-*.jar). */
  static Path benchJar(String name) {
    return existing(Path.of("bench", "target", name));
  }

  static Path existing(Path jar) {
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is missing: build it first (./mvnw package, or ./bench.sh builds it)");
    }
    return jar;
  }

  static double megabytes(Path jar) {
    try {
      return Files.size(existing(jar)) / (1024.0 * 1024.0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String javaBinary() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }
}
