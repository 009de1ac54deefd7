package dev.switchboard.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import java.util.zip.ZipFile;

/**
 * Each deployable's size and which SDKs it carries. A function must not even contain an SDK
 * it does not use (so it cannot load one): list-numbers neither Twilio nor Stripe, the
 * webhook no Twilio, provisioning, release and reconcile no Stripe. Every function carries the
 * AWS SDK's Secrets Manager client, which {@code Settings} builds only when a secret is read.
 */
final class SizesBenchmark implements Benchmark {
  private static final List<String> PACKAGES = List.of("com/twilio/", "com/stripe/", "software/amazon/awssdk/",
      "com/fasterxml/jackson/", "org/flywaydb/");

  @Override
  public String name() {
    return "sizes";
  }

  @Override
  public String description() {
    return "each deployable's size and the SDKs inside it (none it does not use)";
  }

  @Override
  public void run(PrintStream report) throws Exception {
    report.printf("%-26s %8s %8s %8s %8s %8s %8s  %s%n", "deployable", "MB", "twilio", "stripe", "awssdk",
        "jackson", "flyway", "unused SDK?");
    int violations = 0;
    for (Deployables.Function f : Deployables.FUNCTIONS) {
      boolean[] has = contains(f);
      StringBuilder unused = new StringBuilder();
      if (has[0] && !f.usesTwilio()) {
        unused.append("Twilio ");
      }
      if (has[1] && !f.usesStripe()) {
        unused.append("Stripe ");
      }
      violations += unused.length() > 0 ? 1 : 0;
      report.printf("%-26s %8.1f %8s %8s %8s %8s %8s  %s%n", f.module(), Deployables.megabytes(f.jar()),
          yes(has[0]), yes(has[1]), yes(has[2]), yes(has[3]), yes(has[4]),
          unused.length() == 0 ? "none" : "CONTAINS UNUSED " + unused.toString().trim());
    }
    report.println(violations == 0 ? "target met: no function contains an SDK it does not use"
        : "target NOT MET: " + violations + " function(s) contain an SDK they do not use");
  }

  private static boolean[] contains(Deployables.Function f) throws IOException {
    boolean[] has = new boolean[PACKAGES.size()];
    try (ZipFile jar = new ZipFile(Deployables.existing(f.jar()).toFile())) {
      jar.stream().forEach(entry -> {
        for (int i = 0; i < has.length; i++) {
          has[i] |= entry.getName().startsWith(PACKAGES.get(i)) && entry.getName().endsWith(".class");
        }
      });
    }
    return has;
  }

  private static String yes(boolean b) {
    return b ? "yes" : "-";
  }
}
