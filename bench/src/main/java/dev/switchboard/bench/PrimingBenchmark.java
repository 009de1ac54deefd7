package dev.switchboard.bench;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.serialization.PojoSerializer;
import com.amazonaws.services.lambda.runtime.serialization.events.LambdaEventSerializers;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.bench.launcher.PrimingProbe;
import dev.switchboard.config.Settings;
import dev.switchboard.function.listnumbers.ListNumbersHandler;
import dev.switchboard.function.provision.ProvisionNumberHandler;
import dev.switchboard.function.release.ReleaseNumberHandler;
import dev.switchboard.function.wallet.WalletHandler;
import dev.switchboard.function.webhook.StripeWebhookHandler;
import dev.switchboard.numbers.SagaHooks;
import dev.switchboard.wiring.ClassPreload;
import dev.switchboard.wiring.Platform;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * What SnapStart priming covers, per function. In one fresh JVM (the Lambda runtime's flags,
 * the function's own {@code function.jar}): the constructor, {@code beforeCheckpoint} and
 * {@code afterRestore}, then the first real request, for another organisation and doing real
 * work ({@link PrimingProbe}). Beside it, a cold JVM: the constructor, then the same kind of
 * request. Targets: the primed request loads at most 5% of the classes the cold JVM's first
 * request loads (its constructor and its request: all a cold start loads for the function), and
 * takes at most 3× the function's warm p50 (measured in this process, fully JIT-compiled, for
 * the same kind of request).
 *
 * <p>Also prints, from one cold JVM per function run with {@code -Xlog:class+load}, the
 * classes its constructor and its first request load, by library: where a cold start's time goes;
 * and how current each function's SnapStart preload list is ({@link ClassPreload}: no test
 * checks that, since a stale list only loads less). {@code ./bench.sh preload} records the lists
 * again and says what changed.
 */
final class PrimingBenchmark implements Benchmark {
  private static final PojoSerializer<APIGatewayV2HTTPEvent> EVENTS =
      LambdaEventSerializers.serializerFor(APIGatewayV2HTTPEvent.class, PrimingBenchmark.class.getClassLoader());
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final double CLASSES_TARGET_PERCENT = 5;
  private static final double TIME_TARGET_TIMES_WARM = 3;
  private static final long WARM_UP_MILLIS = 1_000;
  private static final long WARM_WINDOW_MILLIS = 1_000;

  /** One kind of first request: its function, a fresh event per sample, and its warm p50 measured in-process. */
  private record Subject(String name, String module, String handler, EventForSample event, WarmRequest warm) {
    Path jar() {
      return Path.of("functions", module, "target", "function.jar");
    }
  }

  @FunctionalInterface
  private interface EventForSample {
    Path write(String sample) throws Exception;
  }

  /** One warm request, timed: returns its nanoseconds (untimed set-up or tidy-up may surround it). */
  @FunctionalInterface
  private interface WarmRequest {
    long once() throws Exception;
  }

  /** One probe's figures, as {@link PrimingProbe} prints them. */
  private record Probe(Map<String, String> values, List<String> constructorClasses, List<String> requestClasses) {
    double number(String key) {
      return Double.parseDouble(values.get(key));
    }
  }

  private final boolean record;

  /** {@code record}: instead of measuring, write each function's preload list from a cold run. */
  PrimingBenchmark(boolean record) {
    this.record = record;
  }

  @Override
  public String name() {
    return record ? "preload" : "priming";
  }

  @Override
  public String description() {
    return record
        ? "records the SnapStart preload lists (functions/*/src/main/resources/" + ClassPreload.RESOURCE
            + ") from a cold run of each function's first real request"
        : "SnapStart priming: classes loaded and time of the first request after the hooks, vs a cold JVM and warm p50";
  }

  @Override
  public void run(PrintStream report) throws Exception {
    Path launcher = Deployables.benchJar("launcher.jar");
    Path temp = Files.createTempDirectory("switchboard-priming");
    report.println("starting embedded PostgreSQL and the fakes ...");
    try (BenchWorld world = new BenchWorld()) {
      List<Subject> subjects = subjects(world, temp);
      if (record) {
        writePreloadLists(report, launcher, subjects, world, temp);
        return;
      }
      Map<String, List<Probe>> primed = new LinkedHashMap<>();
      Map<String, List<Probe>> cold = new LinkedHashMap<>();
      Map<String, Probe> logged = new LinkedHashMap<>();
      Map<String, Probe> loggedPrimed = new LinkedHashMap<>();
      for (int i = 0; i < Repeats.COUNT; i++) {
        report.println("sample " + (i + 1) + " of " + Repeats.COUNT + " ...");
        for (Subject s : subjects) {
          primed.computeIfAbsent(s.name(), k -> new ArrayList<>())
              .add(probe(launcher, s, "primed", s.event().write("primed-" + i), world, temp, false));
          cold.computeIfAbsent(s.name(), k -> new ArrayList<>())
              .add(probe(launcher, s, "cold", s.event().write("cold-" + i), world, temp, false));
        }
      }
      report.println("one cold JVM per function with -Xlog:class+load ...");
      for (Subject s : subjects) {
        logged.put(s.name(), probe(launcher, s, "cold", s.event().write("logged"), world, temp, true));
        loggedPrimed.put(s.name(), probe(launcher, s, "primed", s.event().write("logged-primed"), world, temp, true));
      }
      report.println("warm p50 of each request, in this process ...");
      Map<String, Repeats> warm = new LinkedHashMap<>();
      PrintStream stdout = System.out;
      System.setOut(new PrintStream(OutputStream.nullOutputStream())); // handler logs: formatted, not written
      try {
        for (Subject s : subjects) {
          warm.put(s.name(), warmP50(s.warm()));
        }
      } finally {
        System.setOut(stdout);
      }
      print(report, subjects, primed, cold, warm);
      printBreakdown(report, subjects, logged, loggedPrimed);
      printFreshness(report, subjects, loggedPrimed);
      world.providers.assertInvariant9();
    }
  }

  // ------------------------------------------------------------------ subjects

  private List<Subject> subjects(BenchWorld world, Path temp) {
    Map<String, String> settings = world.settings();
    List<Subject> s = new ArrayList<>();
    String list = "dev.switchboard.function.listnumbers.ListNumbersHandler";
    String provision = "dev.switchboard.function.provision.ProvisionNumberHandler";
    String release = "dev.switchboard.function.release.ReleaseNumberHandler";
    String wallet = "dev.switchboard.function.wallet.WalletHandler";
    String webhook = "dev.switchboard.function.webhook.StripeWebhookHandler";

    UUID warmOrg = world.customer("Priming warm customer");
    world.db.byocCredential(warmOrg, "outbound", "+14155550199", "vapi-byoc-priming-warm");
    ListNumbersHandler warmList = new ListNumbersHandler(Platform.from(Settings.of(settings)));
    APIGatewayV2HTTPEvent warmListEvent = event(Events.load("list-numbers.json").org(warmOrg));
    s.add(new Subject("list-numbers GET /phone-numbers", "list-numbers", list, sample -> {
      UUID org = world.customer("Priming list " + sample);
      world.db.byocCredential(org, "outbound", "+1415555" + (1000 + Math.abs(sample.hashCode() % 8000)),
          "vapi-byoc-" + sample);
      return Events.load("list-numbers.json").org(org).writeTo(temp, "list-" + sample + ".json");
    }, () -> timed(() -> warmList.handleRequest(warmListEvent, null))));

    ProvisionNumberHandler warmProvision = new ProvisionNumberHandler(Settings.of(settings), SagaHooks.NONE);
    APIGatewayV2HTTPEvent warmSearch = event(Events.load("search-available-numbers.json").org(warmOrg));
    s.add(new Subject("provision-number GET /phone-numbers/available", "provision-number", provision,
        sample -> Events.load("search-available-numbers.json").org(world.customer("Priming search " + sample))
            .writeTo(temp, "search-" + sample + ".json"),
        () -> timed(() -> warmProvision.handleRequest(warmSearch, null))));

    ReleaseNumberHandler warmRelease = new ReleaseNumberHandler(Settings.of(settings), SagaHooks.NONE);
    s.add(new Subject("provision-number POST /phone-numbers", "provision-number", provision,
        sample -> Events.load("provision-number.json").org(world.customer("Priming provision " + sample))
            .header("idempotency-key", UUID.randomUUID().toString()).writeTo(temp, "provision-" + sample + ".json"),
        () -> {
          UUID org = warmOrg;
          long[] nanos = new long[1];
          UUID id = buy(warmProvision, org, nanos);
          check(warmRelease.handleRequest(releaseEvent(org, id), null));
          return nanos[0];
        }));

    s.add(new Subject("release-number DELETE /phone-numbers/{id}", "release-number", release, sample -> {
      UUID org = world.customer("Priming release " + sample);
      UUID id = buy(warmProvision, org, new long[1]);
      return Events.load("release-number.json").org(org).numberId(id).writeTo(temp, "release-" + sample + ".json");
    }, () -> {
      UUID id = buy(warmProvision, warmOrg, new long[1]);
      APIGatewayV2HTTPEvent delete = releaseEvent(warmOrg, id);
      return timed(() -> warmRelease.handleRequest(delete, null));
    }));

    WalletHandler warmWallet = new WalletHandler(Platform.from(Settings.of(settings)));
    APIGatewayV2HTTPEvent warmWalletEvent = event(Events.load("wallet-get.json").org(warmOrg));
    s.add(new Subject("wallet GET /wallet", "wallet", wallet,
        sample -> Events.load("wallet-get.json").org(world.customer("Priming wallet " + sample))
            .writeTo(temp, "wallet-" + sample + ".json"),
        () -> timed(() -> warmWallet.handleRequest(warmWalletEvent, null))));

    Map<String, String> webhookSettings = new HashMap<>(settings);
    StripeWebhookHandler warmWebhook = new StripeWebhookHandler(Platform.from(Settings.of(webhookSettings)),
        Clock.systemUTC());
    s.add(new Subject("stripe-webhook POST /webhooks/stripe", "stripe-webhook", webhook,
        sample -> Events.signedTopUp(world.customer("Priming webhook " + sample), 5_000, BenchWorld.WEBHOOK_SECRET,
            Instant.now()).writeTo(temp, "webhook-" + sample + ".json"),
        () -> {
          APIGatewayV2HTTPEvent delivery = event(Events.signedTopUp(warmOrg, 5_000, BenchWorld.WEBHOOK_SECRET,
              Instant.now()));
          return timed(() -> warmWebhook.handleRequest(delivery, null));
        }));
    return s;
  }

  private static APIGatewayV2HTTPEvent event(Events e) {
    return EVENTS.fromJson(e.json());
  }

  /** Buys an inbound number for {@code org} in this process; {@code nanos[0]}: the POST's time. */
  private static UUID buy(ProvisionNumberHandler handler, UUID org, long[] nanos) throws IOException {
    APIGatewayV2HTTPEvent post = event(Events.load("provision-number.json").org(org)
        .header("idempotency-key", UUID.randomUUID().toString()));
    long start = System.nanoTime();
    APIGatewayV2HTTPResponse answer = check(handler.handleRequest(post, null));
    nanos[0] = System.nanoTime() - start;
    return UUID.fromString(JSON.readTree(answer.getBody()).path("id").asText());
  }

  private static APIGatewayV2HTTPEvent releaseEvent(UUID org, UUID id) {
    return event(Events.load("release-number.json").org(org).numberId(id));
  }

  @FunctionalInterface
  private interface Call {
    APIGatewayV2HTTPResponse call();
  }

  private static long timed(Call call) {
    long start = System.nanoTime();
    APIGatewayV2HTTPResponse answer = call.call();
    long nanos = System.nanoTime() - start;
    check(answer);
    return nanos;
  }

  private static APIGatewayV2HTTPResponse check(APIGatewayV2HTTPResponse r) {
    if (r.getStatusCode() / 100 != 2) {
      throw new IllegalStateException("handler answered " + r.getStatusCode() + " " + r.getBody());
    }
    return r;
  }

  /** Warms the request up, then its p50 in each of {@link Repeats#COUNT} windows. */
  private static Repeats warmP50(WarmRequest request) throws Exception {
    for (long until = System.nanoTime() + WARM_UP_MILLIS * 1_000_000; System.nanoTime() < until; ) {
      request.once();
    }
    double[] p50 = new double[Repeats.COUNT];
    for (int r = 0; r < p50.length; r++) {
      long[] nanos = new long[64];
      int n = 0;
      for (long until = System.nanoTime() + WARM_WINDOW_MILLIS * 1_000_000; System.nanoTime() < until; ) {
        if (n == nanos.length) {
          nanos = Arrays.copyOf(nanos, n * 2);
        }
        nanos[n++] = request.once();
      }
      long[] sorted = Arrays.copyOf(nanos, n);
      Arrays.sort(sorted);
      p50[r] = sorted[n / 2] / 1e6;
    }
    return Repeats.of(p50);
  }

  // ------------------------------------------------------------------ the probe

  private static Probe probe(Path launcher, Subject s, String mode, Path event, BenchWorld world, Path temp,
                             boolean logClasses) throws IOException, InterruptedException {
    Path stderr = temp.resolve("stderr.txt");
    List<String> command = new ArrayList<>(List.of(Deployables.javaBinary(), "-XX:TieredStopAtLevel=1",
        "-Xshare:auto"));
    if (logClasses) {
      command.add("-Xlog:class+load=info:stdout:none");
    }
    command.addAll(List.of("-cp", launcher + java.io.File.pathSeparator + Deployables.existing(s.jar()),
        PrimingProbe.class.getName(), s.handler(), mode, event.toString()));
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().clear();
    pb.environment().putAll(world.processEnvironment());
    pb.redirectError(stderr.toFile());
    Process process = pb.start();
    Map<String, String> values = null;
    List<String> constructor = new ArrayList<>();
    List<String> request = new ArrayList<>();
    List<String> into = null;
    try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
        StandardCharsets.UTF_8))) {
      for (String line = out.readLine(); line != null; line = out.readLine()) {
        if (line.equals(PrimingProbe.MAIN_START)) {
          into = constructor;
        } else if (line.equals(PrimingProbe.REQUEST_START)) {
          into = request;
        } else if (line.equals(PrimingProbe.CONSTRUCTED) || line.equals(PrimingProbe.REQUEST_END)) {
          into = null;
        } else if (line.startsWith(PrimingProbe.MARKER)) {
          values = new HashMap<>();
          for (String pair : line.substring(PrimingProbe.MARKER.length()).split(" ")) {
            String[] kv = pair.split("=", 2);
            values.put(kv[0], kv[1]);
          }
        } else if (into != null && line.contains(" source: ")) {
          into.add(line);
        }
      }
    }
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
    if (values == null) {
      throw new IllegalStateException(s.name() + " (" + mode + ") gave no answer; its stderr:\n"
          + Files.readString(stderr));
    }
    if (!values.get("status").startsWith("2")) {
      throw new IllegalStateException(s.name() + " (" + mode + ") answered " + values.get("status")
          + "; its stderr:\n" + Files.readString(stderr));
    }
    return new Probe(values, constructor, request);
  }

  // ------------------------------------------------------------------ the preload lists

  /**
   * Each function's list: the classes its first real request loads in a cold JVM after the
   * constructor (which loads its own in a restored container too), from a jar or the JDK's
   * modules: no hidden class (lambda forms, generated accessors) can be loaded by name. The
   * launcher's and the runtime serializer's classes are the runtime's own, not the function's.
   */
  private static void writePreloadLists(PrintStream report, Path launcher, List<Subject> subjects, BenchWorld world,
                                        Path temp) throws Exception {
    Map<String, java.util.SortedSet<String>> byModule = new LinkedHashMap<>();
    Map<String, List<String>> requests = new LinkedHashMap<>();
    for (Subject s : subjects) {
      Probe p = probe(launcher, s, "cold", s.event().write("record"), world, temp, true);
      java.util.SortedSet<String> names = byModule.computeIfAbsent(s.module(), k -> new java.util.TreeSet<>());
      p.requestClasses().stream().filter(PrimingBenchmark::loadableByName)
          .map(line -> line.substring(0, line.indexOf(' '))).forEach(names::add);
      requests.computeIfAbsent(s.module(), k -> new ArrayList<>()).add(s.name());
    }
    for (Map.Entry<String, java.util.SortedSet<String>> e : byModule.entrySet()) {
      Path file = Path.of("functions", e.getKey(), "src", "main", "resources").resolve(ClassPreload.RESOURCE);
      Files.createDirectories(file.getParent());
      java.util.Set<String> before = new java.util.TreeSet<>();
      if (Files.exists(file)) {
        Files.readAllLines(file).stream().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#"))
            .forEach(before::add);
      }
      List<String> lines = new ArrayList<>();
      lines.add("# SnapStart preload list (dev.switchboard.wiring.ClassPreload), written by ./bench.sh preload:");
      lines.add("# the classes a cold JVM's first request loads after the constructor, for "
          + String.join(", ", requests.get(e.getKey())) + ".");
      lines.add("# Record it again when ./bench.sh priming reports it stale (a stale list only loads less).");
      lines.addAll(e.getValue());
      Files.write(file, lines);
      long added = e.getValue().stream().filter(name -> !before.contains(name)).count();
      long dropped = before.stream().filter(name -> !e.getValue().contains(name)).count();
      report.println(file + ": " + e.getValue().size() + " classes (" + added + " new, " + dropped
          + " no longer loaded or gone)");
    }
  }

  static boolean loadableByName(String line) {
    String name = line.substring(0, line.indexOf(' '));
    String source = line.substring(line.indexOf(" source: ") + 9);
    boolean fromAFile = source.startsWith("jrt:/") || source.startsWith("shared objects file")
        || source.startsWith("file:") || source.startsWith("jar:");
    // a lambda from the JDK's CDS archive says "shared objects file", yet has no name to load it by
    return fromAFile && !name.contains("$$Lambda") && !name.contains("/0x") && !name.startsWith("dev.switchboard.bench.")
        && !name.startsWith("com.amazonaws.services.lambda.runtime.serialization.");
  }

  // ------------------------------------------------------------------ the report

  private static void print(PrintStream report, List<Subject> subjects, Map<String, List<Probe>> primed,
                            Map<String, List<Probe>> cold, Map<String, Repeats> warm) {
    report.println();
    report.println("classes: loaded by the first request after the hooks, vs all a cold JVM loads for its first");
    report.println("request (constructor + request); time: the first request after the hooks vs warm p50.");
    report.println("median (min-max) of " + Repeats.COUNT + " fresh JVMs each way");
    report.printf("%-46s %14s %14s %18s %15s  %-28s %18s %16s %12s  %s%n", "function request", "cold ctor cls",
        "cold req cls", "primed req cls", "primed/cold %", "target", "primed req ms", "warm p50 ms", "× warm",
        "target");
    for (Subject s : subjects) {
      List<Probe> p = primed.get(s.name());
      List<Probe> c = cold.get(s.name());
      Repeats coldInit = Repeats.of(c.stream().mapToDouble(x -> x.number("initClasses")).toArray());
      Repeats coldRequest = Repeats.of(c.stream().mapToDouble(x -> x.number("requestClasses")).toArray());
      Repeats primedRequest = Repeats.of(p.stream().mapToDouble(x -> x.number("requestClasses")).toArray());
      double coldTotal = coldInit.median() + coldRequest.median();
      Repeats share = Repeats.of(p.stream().mapToDouble(x -> 100 * x.number("requestClasses") / coldTotal).toArray());
      Repeats millis = Repeats.of(p.stream().mapToDouble(x -> x.number("requestMillis")).toArray());
      Repeats warmP50 = warm.get(s.name());
      Repeats times = Repeats.of(p.stream().mapToDouble(x -> x.number("requestMillis") / warmP50.median()).toArray());
      report.printf("%-46s %14s %14s %18s %15s  %-28s %18s %16s %12s  %s%n", s.name(), coldInit.format("%.0f"),
          coldRequest.format("%.0f"), primedRequest.format("%.0f"), share.format("%.1f"),
          share.atMost(CLASSES_TARGET_PERCENT, "%"), millis.format("%.1f"), warmP50.format("%.2f"),
          times.format("%.1f"), times.atMost(TIME_TARGET_TIMES_WARM, "×"));
    }
  }

  /** The classes a cold JVM's constructor and first request load, by library. */
  private static void printBreakdown(PrintStream report, List<Subject> subjects, Map<String, Probe> logged,
                                     Map<String, Probe> loggedPrimed) {
    report.println();
    report.println("classes loaded by library (-Xlog:class+load): cold JVM's constructor + its first request;"
        + " then the first request after the hooks");
    List<String> libraries = List.of("ours", "Twilio SDK", "Jackson", "HTTP client", "Stripe SDK", "AWS SDK",
        "PostgreSQL", "Lambda events", "JDK", "other");
    StringBuilder header = new StringBuilder(String.format("%-46s", "function request"));
    libraries.forEach(l -> header.append(String.format(" %13s", l)));
    report.println(header.append(String.format(" %13s", "total")));
    for (Subject s : subjects) {
      Probe p = logged.get(s.name());
      Map<String, int[]> counts = new TreeMap<>();
      p.constructorClasses().forEach(line -> counts.computeIfAbsent(library(line), k -> new int[3])[0]++);
      p.requestClasses().forEach(line -> counts.computeIfAbsent(library(line), k -> new int[3])[1]++);
      List<String> primed = loggedPrimed.get(s.name()).requestClasses();
      primed.forEach(line -> counts.computeIfAbsent(library(line), k -> new int[3])[2]++);
      StringBuilder row = new StringBuilder(String.format("%-46s", s.name()));
      for (String l : libraries) {
        int[] c = counts.getOrDefault(l, new int[3]);
        row.append(String.format(" %13s", c[0] + "+" + c[1] + "; " + c[2]));
      }
      row.append(String.format(" %13s", p.constructorClasses().size() + "+" + p.requestClasses().size() + "; "
          + primed.size()));
      report.println(row);
      if (System.getenv("BENCH_VERBOSE") != null) {
        primed.forEach(line -> report.println("    primed request loaded: " + line));
      }
    }
  }

  /**
   * How current each function's preload list is: the names on it its {@code function.jar} can no
   * longer find (renamed, moved or removed since it was recorded: skipped at publish), and the
   * classes the first request after the hooks still loaded from a jar or the JDK (ones a list
   * recorded now would name).
   */
  private static void printFreshness(PrintStream report, List<Subject> subjects, Map<String, Probe> loggedPrimed)
      throws IOException {
    report.println();
    report.println("SnapStart preload lists (" + ClassPreload.RESOURCE + "): names the jar cannot find;"
        + " listable classes the first request after the hooks still loaded");
    Map<String, List<String>> loadedByModule = new LinkedHashMap<>();
    for (Subject s : subjects) {
      loggedPrimed.get(s.name()).requestClasses().stream().filter(PrimingBenchmark::loadableByName)
          .map(line -> line.substring(0, line.indexOf(' ')))
          .forEach(name -> loadedByModule.computeIfAbsent(s.module(), k -> new ArrayList<>()).add(name));
      loadedByModule.computeIfAbsent(s.module(), k -> new ArrayList<>());
    }
    boolean stale = false;
    for (Map.Entry<String, List<String>> e : loadedByModule.entrySet()) {
      Path jar = Deployables.existing(Path.of("functions", e.getKey(), "target", "function.jar"));
      ClassPreload.Loaded listed;
      try (java.net.URLClassLoader loader = new java.net.URLClassLoader(new java.net.URL[] {jar.toUri().toURL()},
          ClassLoader.getPlatformClassLoader())) {
        listed = ClassPreload.load(loader);
      }
      List<String> unlisted = e.getValue().stream().distinct().toList();
      stale |= !listed.missing().isEmpty() || !unlisted.isEmpty();
      report.printf("%-24s %5d listed, %4d not found, %4d loaded but not listed%n", e.getKey(),
          listed.loaded() + listed.missing().size(), listed.missing().size(), unlisted.size());
      if (System.getenv("BENCH_VERBOSE") != null) {
        listed.missing().forEach(name -> report.println("    not found: " + name));
        unlisted.forEach(name -> report.println("    not listed: " + name));
      }
    }
    report.println(stale ? "stale: ./bench.sh preload records the lists again (BENCH_VERBOSE=1 names the classes)"
        : "current");
  }

  /** The library a {@code -Xlog:class+load} line's class belongs to. */
  static String library(String line) {
    String name = line.substring(0, line.indexOf(' '));
    if (name.startsWith("dev.switchboard.")) {
      return "ours";
    } else if (name.startsWith("com.twilio.")) {
      return "Twilio SDK";
    } else if (name.startsWith("com.fasterxml.jackson.")) {
      return "Jackson";
    } else if (name.startsWith("org.apache.hc.") || name.startsWith("org.apache.http.") || name.startsWith("okhttp3.")
        || name.startsWith("java.net.http.") || name.startsWith("jdk.internal.net.http.")) {
      return "HTTP client";
    } else if (name.startsWith("com.stripe.")) {
      return "Stripe SDK";
    } else if (name.startsWith("software.amazon.")) {
      return "AWS SDK";
    } else if (name.startsWith("org.postgresql.")) {
      return "PostgreSQL";
    } else if (name.startsWith("com.amazonaws.services.lambda.")) {
      return "Lambda events";
    } else if (name.startsWith("java.") || name.startsWith("javax.") || name.startsWith("jdk.")
        || name.startsWith("sun.") || name.startsWith("com.sun.")) {
      return "JDK";
    }
    return "other";
  }
}
