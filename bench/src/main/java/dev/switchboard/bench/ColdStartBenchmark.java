package dev.switchboard.bench;

import dev.switchboard.bench.launcher.Launcher;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Cold start of every function: a fresh JVM per sample on the function's own deployable
 * ({@code functions/<m>/target/function.jar}) plus {@code bench/target/launcher.jar}, which
 * does what the Lambda runtime does (handler by class name, no-arg constructor, one event
 * deserialized by the runtime's serializer, the answer serialized). The clock runs from just
 * before the process is started to the moment its first answer is printed. JVM flags as the
 * Lambda Java runtime: {@code -XX:TieredStopAtLevel=1 -Xshare:auto}.
 *
 * <p>Two baselines go through the same launcher in the same run: a bare handler that runs one
 * SQL query (Lambda core + events + JDBC), and one jar with every SDK initialised eagerly; and
 * a floor, a handler that does nothing, to show what the JVM and the runtime's serializer
 * alone cost (every row pays it).
 * Samples are taken round-robin (sample 1 of every subject, then sample 2, ...) so that a
 * machine busy with other work slows every subject alike.
 */
final class ColdStartBenchmark implements Benchmark {
  static final int SAMPLES = Repeats.COUNT;
  private static final String ALL_SDKS = "baseline: all SDKs, eager";

  /**
   * {@code metrics}: only the business-metrics candidates, in one run: the bare SQL handler alone,
   * with shared's EMF-through-the-logger Metrics, and with Powertools' metrics module; and the
   * webhook function, which emits through the first.
   */
  private final boolean metrics;

  ColdStartBenchmark() {
    this(false);
  }

  ColdStartBenchmark(boolean metrics) {
    this.metrics = metrics;
  }
  private static final Pattern STATUS = Pattern.compile("\"statusCode\"\\s*:\\s*(\\d+)");

  /** One thing to cold-start: its jar, its handler, the event of sample {@code i}. */
  private record Subject(String name, Path jar, String handler, EventForSample event, String target,
      Map<String, String> env) {
    Subject(String name, Path jar, String handler, EventForSample event, String target) {
      this(name, jar, handler, event, target, Map.of());
    }
  }

  @FunctionalInterface
  private interface EventForSample {
    Path write(int sample) throws Exception;
  }

  @Override
  public String name() {
    return metrics ? "metrics" : "coldstart";
  }

  @Override
  public String description() {
    if (metrics) {
      return "cold start of the bare SQL handler alone, emitting metrics through shared's Metrics (EMF via the logger),"
          + " and through Powertools' metrics module (median of " + SAMPLES + "), beside the webhook function";
    }
    return "fresh JVM to first response for every function (median of " + SAMPLES
        + "), vs a bare one-query handler and an all-SDKs eager-init jar";
  }

  @Override
  public void run(PrintStream report) throws Exception {
    Path launcher = Deployables.benchJar("launcher.jar");
    Path temp = Files.createTempDirectory("switchboard-coldstart");
    report.println("starting embedded PostgreSQL and the fakes ...");
    try (BenchWorld world = new BenchWorld()) {
      List<Subject> subjects = subjects(world, temp);
      Map<String, long[]> millis = new LinkedHashMap<>();
      subjects.forEach(s -> millis.put(s.name(), new long[SAMPLES]));
      for (int i = 0; i < SAMPLES; i++) {
        report.println("sample " + (i + 1) + " of " + SAMPLES + " ...");
        for (Subject s : subjects) {
          Map<String, String> env = new LinkedHashMap<>(world.processEnvironment());
          env.putAll(s.env());
          millis.get(s.name())[i] = coldStart(launcher, s, s.event().write(i), env, temp);
        }
      }
      print(report, subjects, millis);
      if (metrics) {
        return;
      }
      // the custom resources answer CloudFormation, not their caller: every answer must be a success
      long answers = world.cloudFormation.answers().size();
      long successes = world.cloudFormation.answers().stream().filter(a -> "SUCCESS".equals(a.get("Status"))).count();
      if (answers != 2L * SAMPLES || successes != answers) {
        throw new IllegalStateException("CloudFormation got " + successes + " successes of " + answers + " answers: "
            + world.cloudFormation.rawAnswers());
      }
      report.println("check: every custom-resource sample answered CloudFormation SUCCESS (" + answers + ")");
    }
  }

  private List<Subject> subjects(BenchWorld world, Path temp) {
    List<UUID> customers = new ArrayList<>();
    for (int i = 0; i < SAMPLES; i++) {
      customers.add(world.customer("Cold start customer " + i));
    }
    List<Subject> s = new ArrayList<>();
    s.add(new Subject("baseline: bare SQL handler", Deployables.benchJar("baseline-bare.jar"),
        "dev.switchboard.bench.baseline.bare.BareSqlHandler",
        i -> Events.load("list-numbers.json").writeTo(temp, "bare-" + i + ".json"), ""));
    if (metrics) {
      // what Lambda sets: Powertools' EMF library writes to standard output only when it sees
      // AWS_LAMBDA_FUNCTION_NAME (elsewhere it looks for an agent), so both candidates get it
      Map<String, String> lambda = Map.of("AWS_LAMBDA_FUNCTION_NAME", "switchboard-bench",
          "AWS_LAMBDA_FUNCTION_VERSION", "1", "AWS_EXECUTION_ENV", "AWS_Lambda_java21",
          "AWS_LAMBDA_LOG_STREAM_NAME", "2026/12/08/[1]bench", "AWS_LAMBDA_LOG_LEVEL", "INFO");
      s.add(new Subject("floor: JVM + runtime serializer, no work", Deployables.benchJar("baseline-bare.jar"),
          "dev.switchboard.bench.baseline.bare.NoWorkHandler",
          i -> Events.load("list-numbers.json").writeTo(temp, "floor-" + i + ".json"), ""));
      s.add(new Subject("bare + metrics: EMF via our logger", Deployables.benchJar("metrics-emf-log.jar"),
          "dev.switchboard.bench.baseline.metrics.EmfLogHandler",
          i -> Events.load("list-numbers.json").writeTo(temp, "emf-log-" + i + ".json"), "", lambda));
      s.add(new Subject("bare + metrics: Powertools metrics", Deployables.benchJar("metrics-powertools.jar"),
          "dev.switchboard.bench.baseline.metrics.PowertoolsMetricsHandler",
          i -> Events.load("list-numbers.json").writeTo(temp, "powertools-" + i + ".json"), "", lambda));
      Deployables.Function webhook = Deployables.FUNCTIONS.stream().filter(f -> f.module().equals("stripe-webhook"))
          .findFirst().orElseThrow();
      s.add(new Subject("stripe-webhook (signed top-up, emits metrics)", webhook.jar(), webhook.handler(),
          i -> Events.signedTopUp(BenchWorld.EVENTS_ORG, 5_000, BenchWorld.WEBHOOK_SECRET, Instant.now())
              .writeTo(temp, "webhook-" + i + ".json"), "", lambda));
      return s;
    }
    s.add(new Subject("floor: JVM + runtime serializer, no work", Deployables.benchJar("baseline-bare.jar"),
        "dev.switchboard.bench.baseline.bare.NoWorkHandler",
        i -> Events.load("list-numbers.json").writeTo(temp, "floor-" + i + ".json"), ""));
    s.add(new Subject(ALL_SDKS, Deployables.benchJar("baseline-all-sdks.jar"),
        "dev.switchboard.bench.baseline.allsdks.AllSdksHandler",
        i -> Events.signedTopUp(BenchWorld.EVENTS_ORG, 5_000, BenchWorld.WEBHOOK_SECRET, Instant.now())
            .writeTo(temp, "all-sdks-" + i + ".json"), ""));
    for (Deployables.Function f : Deployables.FUNCTIONS) {
      EventForSample event = switch (f.module()) {
        case "list-numbers" -> i -> Events.load("list-numbers.json").writeTo(temp, "list-" + i + ".json");
        case "provision-number" -> i -> Events.load("provision-number.json").org(customers.get(i))
            .header("idempotency-key", UUID.randomUUID().toString()).writeTo(temp, "provision-" + i + ".json");
        case "release-number" -> i -> Events.load("release-number.json").org(customers.get(i))
            .numberId(activeNumberOf(world, customers.get(i))).writeTo(temp, "release-" + i + ".json");
        case "reconcile" -> i -> Events.load("schedule-reconcile.json").writeTo(temp, "reconcile-" + i + ".json");
        case "stripe-webhook" -> i -> Events.signedTopUp(BenchWorld.EVENTS_ORG, 5_000, BenchWorld.WEBHOOK_SECRET,
            Instant.now()).writeTo(temp, "webhook-" + i + ".json");
        case "wallet" -> i -> Events.load("wallet-get.json").writeTo(temp, "wallet-" + i + ".json");
        case "database-migration" -> i -> Events.load("cfn-database-migration-update.json")
            .field("ResponseURL", world.cloudFormation.responseUrl()).writeTo(temp, "migration-" + i + ".json");
        case "stripe-webhook-endpoint" -> i -> Events.load("cfn-stripe-webhook-endpoint-create.json")
            .field("ResponseURL", world.cloudFormation.responseUrl())
            .resourceProperty("SecretId", world.secrets.create("StripeWebhookSigningSecret-bench"))
            .writeTo(temp, "endpoint-" + i + ".json");
        case "authorizer" -> i -> Events.load("authorizer-request.json")
            .bearer(world.authorizerToken(false, Instant.now())).writeTo(temp, "authorizer-" + i + ".json");
        default -> throw new IllegalArgumentException("no cold-start event for " + f.module());
      };
      if (f.module().equals("authorizer")) { // lambda mode, Supabase's two kinds of key, and its own floor
        s.add(new Subject("floor: stream handler, no work", Deployables.benchJar("baseline-bare.jar"),
            "dev.switchboard.bench.baseline.bare.NoWorkStreamHandler",
            i -> Events.load("authorizer-request.json").writeTo(temp, "stream-floor-" + i + ".json"), ""));
        s.add(new Subject(f.module() + " (" + f.eventName() + ")", f.jar(), f.handler(), event, f.coldStartTarget(),
            world.authorizerSettings(false)));
        s.add(new Subject(f.module() + " (lambda mode, HS256 token)", f.jar(), f.handler(),
            i -> Events.load("authorizer-request.json").bearer(world.authorizerToken(true, Instant.now()))
                .writeTo(temp, "authorizer-hs-" + i + ".json"), f.coldStartTarget(), world.authorizerSettings(true)));
        continue;
      }
      s.add(new Subject(f.module() + " (" + f.eventName() + ")", f.jar(), f.handler(), event, f.coldStartTarget()));
      if (f.module().equals("provision-number")) { // its other route: one Twilio search, no purchase
        s.add(new Subject(f.module() + " (GET /phone-numbers/available)", f.jar(), f.handler(),
            i -> Events.load("search-available-numbers.json").writeTo(temp, "search-" + i + ".json"),
            f.coldStartTarget()));
      }
    }
    return s;
  }

  /** The number sample i of provision-number bought for this customer (samples run in order). */
  private static UUID activeNumberOf(BenchWorld world, UUID org) {
    List<Map<String, Object>> rows = world.db.rows(
        "SELECT id FROM managed_phone_numbers WHERE org_id = ? AND status = 'active'", org);
    if (rows.size() != 1) {
      throw new IllegalStateException("expected one active number for " + org + ", found " + rows.size());
    }
    return (UUID) rows.get(0).get("id");
  }

  /** Milliseconds from starting the JVM to its first answer; fails on a non-2xx answer. */
  private static long coldStart(Path launcher, Subject s, Path event, Map<String, String> env, Path temp)
      throws IOException, InterruptedException {
    Path stderr = temp.resolve("stderr.txt");
    ProcessBuilder pb = new ProcessBuilder(Deployables.javaBinary(), "-XX:TieredStopAtLevel=1", "-Xshare:auto",
        "-cp", launcher + java.io.File.pathSeparator + s.jar(), Launcher.class.getName(), s.handler(),
        event.toString());
    pb.environment().clear();
    pb.environment().putAll(env);
    pb.redirectError(stderr.toFile());
    long start = System.nanoTime();
    Process process = pb.start();
    String answer = null;
    long elapsed = 0;
    boolean emitted = false;
    try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
        StandardCharsets.UTF_8))) {
      for (String line = out.readLine(); line != null; line = out.readLine()) {
        emitted |= line.contains("\"_aws\"");
        if (line.startsWith(Launcher.MARKER)) {
          elapsed = System.nanoTime() - start;
          answer = line.substring(Launcher.MARKER.length());
          break;
        }
      }
      out.transferTo(java.io.Writer.nullWriter()); // the rest of its logs
    }
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
    if (answer == null) {
      throw new IllegalStateException(s.name() + " gave no answer; its stderr:\n" + tail(stderr));
    }
    if (s.name().contains("metrics") && !emitted) {
      throw new IllegalStateException(s.name() + " wrote no embedded-metric record before its answer");
    }
    Matcher status = STATUS.matcher(answer);
    if (status.find() && !status.group(1).startsWith("2") || answer.contains("\"isAuthorized\":false")) {
      throw new IllegalStateException(s.name() + " answered " + answer);
    }
    return TimeUnit.NANOSECONDS.toMillis(elapsed);
  }

  private static String tail(Path file) throws IOException {
    String text = Files.readString(file);
    return text.length() > 4000 ? text.substring(text.length() - 4000) : text;
  }

  private static void print(PrintStream report, List<Subject> subjects, Map<String, long[]> millis) {
    double bare = median(millis.get(subjects.get(0).name()));
    double allSdks = millis.containsKey(ALL_SDKS) ? median(millis.get(ALL_SDKS)) : Double.NaN;
    report.println();
    report.printf("%-48s %8s %10s %12s %8s  %s%n", "function (event)", "jar MB", "median ms", "min-max ms",
        "× bare", "target");
    for (Subject s : subjects) {
      long[] samples = millis.get(s.name());
      double median = median(samples);
      report.printf("%-48s %8.1f %10.0f %12s %8.2f  %s%n", s.name(), Deployables.megabytes(s.jar()), median,
          Arrays.stream(samples).min().orElse(0) + "-" + Arrays.stream(samples).max().orElse(0),
          median / bare, verdict(s.target(), median, bare, allSdks));
    }
  }

  private static String verdict(String target, double median, double bare, double allSdks) {
    return switch (target) {
      case "" -> "";
      case "≤1.5×bare" -> target + ": " + (median <= 1.5 * bare ? "met" : "NOT MET");
      case "≤3×bare" -> target + ": " + (median <= 3 * bare ? "met" : "NOT MET");
      case "≤0.5×all-SDKs" -> String.format("%s: %.2f× all-SDKs, %s", target, median / allSdks,
          median <= 0.5 * allSdks ? "met" : "NOT MET");
      default -> target;
    };
  }

  static double median(long[] samples) {
    long[] sorted = samples.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
  }
}
