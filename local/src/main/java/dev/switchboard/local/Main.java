package dev.switchboard.local;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

/**
 * The local runner's command line: {@code invoke}, {@code start-api} and {@code demo}, from
 * {@code template.yaml}, without Docker. See docs/local.md.
 */
public final class Main {
  static final int OK = 0;
  static final int FAILED = 1;
  static final int USAGE = 2;

  static final String USAGE_TEXT = """
      usage: ./run <command> [options]

        invoke <FunctionLogicalId> --event <file|->   run one function once; its result JSON on stdout
        start-api [--port 3000] [--host 127.0.0.1]     serve every HTTP API route of the template
        token [--org <uuid>]                          a local token for the organisation (default: the demo one)
        demo                                          top up, search, provision, list, release, statement

      options for every command:
        --env-vars <file>                 variables in sam's format {"Parameters":{..},"<Function>":{..}}
        --parameter-overrides K=V ...     template parameters (also ParameterKey=K,ParameterValue=V)
        --template <file>                 default: template.yaml of the project
        --data-dir <dir>                  embedded database, local key, sandboxes' state; default: .local
        --fresh                           start with an empty embedded database and empty sandboxes
      """;

  /** Flyway reports each migration at INFO through java.util.logging: the runner prints its own line. */
  private static final java.util.logging.Logger FLYWAY_LOG = java.util.logging.Logger.getLogger("org.flywaydb");

  private Main() {}

  public static void main(String[] args) {
    FLYWAY_LOG.setLevel(java.util.logging.Level.WARNING);
    Path project = Path.of(System.getProperty("switchboard.project", "")).toAbsolutePath();
    int code = run(args, project, System.getenv(), System.in, System.out, System.err);
    if (code != OK || (args.length > 0 && !args[0].equals("start-api"))) {
      System.exit(code);
    }
  }

  /** Runs one command; returns the exit code. start-api returns only when it is stopped. */
  static int run(String[] args, Path project, Map<String, String> env, java.io.InputStream in, PrintStream out,
      PrintStream err) {
    if (args.length == 0 || List.of("-h", "--help", "help").contains(args[0])) {
      (args.length == 0 ? err : out).print(USAGE_TEXT);
      return args.length == 0 ? USAGE : OK;
    }
    try {
      Arguments a = Arguments.parse(args, project, env);
      return switch (a.command) {
        case "invoke" -> invoke(a, in, out, err);
        case "start-api" -> startApi(a, out, err);
        case "token" -> token(a, out);
        case "demo" -> Demo.run(a.options, out);
        default -> throw new UsageException("unknown command " + a.command + "\n\n" + USAGE_TEXT);
      };
    } catch (UsageException | TemplateException e) {
      err.println("error: " + e.getMessage());
      return USAGE;
    } catch (RuntimeException e) {
      err.println("error: " + e.getMessage());
      return FAILED;
    }
  }

  private static int invoke(Arguments a, java.io.InputStream in, PrintStream out, PrintStream err) {
    if (a.positional.size() != 1) {
      throw new UsageException("invoke takes one function logical id, e.g. invoke ListNumbersFunction --event events/list-numbers.json");
    }
    String functionId = a.positional.get(0);
    TemplateModel template = TemplateModel.load(a.options.template());
    if (template.function(functionId).isEmpty()) {
      throw new UsageException("no function " + functionId + " in " + a.options.template()
          + "; its functions: " + String.join(", ", template.functions().keySet()));
    }
    String event = readEvent(a.event.orElseThrow(() -> new UsageException(
        "invoke needs --event <file> (or --event - to read it from stdin)")), in);

    try (LocalRun run = LocalRun.start(CustomResourceResponses.withSampleStack(event, a.options, err), true,
             Sandboxes.all(), err);
         CustomResourceResponses cloudFormation = CustomResourceResponses.forEvent(
             signedForTheSandbox(event, run, err),
             run.services().secretsManagerSandbox().flatMap(SecretsManagerSandbox::fake), err)) {
      String requestId = java.util.UUID.randomUUID().toString();
      FunctionProcess.Outcome outcome = run.pool(functionId).orElseThrow()
          .invoke(requestId, cloudFormation.event());
      switch (outcome.kind()) {
        case RESULT -> {
          out.println(outcome.text());
          return cloudFormation.report(functionId, outcome.text()) ? OK : FAILED;
        }
        case HANDLER_ERROR -> {
          out.println(outcome.text());
          err.println("error: " + functionId + " threw " + ErrorDocuments.summary(outcome.text()));
          return FAILED;
        }
        case INIT_ERROR -> {
          out.println(outcome.text());
          err.println("error: " + functionId + " could not start (its constructor threw) "
              + ErrorDocuments.summary(outcome.text()));
          return FAILED;
        }
        default -> {
          err.println("error: " + functionId + ": " + outcome.text());
          return FAILED;
        }
      }
    }
  }

  /** A Stripe delivery signed again with the sandbox's webhook secret; unchanged with a secret of your own. */
  private static String signedForTheSandbox(String event, LocalRun run, PrintStream err) {
    String stripeSigned = run.services().sandboxWebhookSecret()
        .map(secret -> StripeSampleSigning.signAgain(event, secret, err))
        .orElse(event);
    return run.authorizerSandboxed() ? DevJwtSampleSigning.signAgain(stripeSigned, run.devKey(), err) : stripeSigned;
  }

  private static String readEvent(String source, java.io.InputStream in) {
    try {
      String text;
      if (source.equals("-")) {
        text = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      } else {
        Path file = Path.of(source);
        if (!Files.isRegularFile(file)) {
          throw new UsageException("no event file " + file.toAbsolutePath());
        }
        text = Files.readString(file);
      }
      new ObjectMapper().readTree(text); // a malformed event fails here, not inside the handler
      return text;
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new UsageException("the event is not valid JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new UsageException("cannot read the event: " + e.getMessage());
    }
  }

  /**
   * A local token for {@code --org} (default: the demo organisation), signed with this data
   * directory's key, in the claim the functions read: what start-api accepts (docs/local.md).
   */
  private static int token(Arguments a, PrintStream out) {
    java.util.UUID org = a.org.map(text -> dev.switchboard.domain.Ids.parseUuid(text)
        .orElseThrow(() -> new UsageException("--org must be a uuid, not " + text))).orElse(DemoOrganization.ORG_ID);
    String claim = Optional.ofNullable(a.options.processEnvironment().get("ORG_ID_CLAIM")).filter(c -> !c.isBlank())
        .or(() -> Optional.ofNullable(a.options.parameterOverrides().get("OrgIdClaim")))
        .orElse("org_id");
    out.println(DevJwt.forOrg(DevJwt.key(a.options.processEnvironment(), a.options.dataDirectory()), org, claim,
        java.time.Instant.now()));
    return OK;
  }

  private static int startApi(Arguments a, PrintStream out, PrintStream err) {
    LocalRun run = LocalRun.start(a.options, true, Sandboxes.all(), out);
    ApiServer api;
    try {
      api = ApiServer.start(run, a.host, a.port, out);
    } catch (RuntimeException e) {
      run.close();
      throw e;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Thread hook = new Thread(() -> {
      out.println("stopping: the API, the function processes, the sandboxes and the database");
      api.close();
      run.close();
      stopped.countDown();
    }, "local-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    printReady(run, api, out);
    try {
      stopped.await(); // until Ctrl-C (the hook stops everything)
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return OK;
  }

  private static void printReady(LocalRun run, ApiServer api, PrintStream out) {
    out.println();
    out.println("The API's OpenAPI document: " + api.baseUrl() + ApiServer.OPENAPI_PATH);
    out.println("Routes on " + api.baseUrl() + ":");
    List<HttpRoute> byPath = new ArrayList<>(api.routes());
    byPath.sort(java.util.Comparator.comparing(HttpRoute::path).thenComparing(HttpRoute::method));
    for (HttpRoute route : byPath) {
      out.printf("  %-7s %-28s %s%s%n", route.method(), route.path(), route.functionId(),
          route.authorized() ? "" : "  (no JWT)");
    }
    run.services().demoOrganisation().ifPresent(org -> {
      String claim = run.pool(api.routes().get(0).functionId()).map(p -> p.environment().get("ORG_ID_CLAIM"))
          .filter(c -> c != null && !c.isBlank()).orElse("org_id");
      out.println();
      out.println("Demo organisation " + org + " (an inbound and an outbound agent, wallet £0.00).");
      out.println("Its local token (HS256, signed with this data directory's key, valid "
          + DevJwt.LIFETIME.toHours() + " hours; ./run token prints a new one, --org <uuid> for another org):");
      out.println();
      out.println("  export TOKEN=" + DevJwt.forOrg(run.devKey(), org, claim, java.time.Instant.now()));
      out.println();
      out.println("  curl -s " + api.baseUrl() + "/phone-numbers -H \"Authorization: Bearer $TOKEN\"");
    });
    if (api.payer().isPresent()) {
      out.println();
      out.println("Sandbox Stripe: a top-up's checkoutUrl is a page here (" + api.pageBaseUrl() + CheckoutPage.PREFIX
          + "<sessionId>) with Pay and Cancel; POST " + api.baseUrl() + ApiServer.LOCAL_PREFIX
          + "checkout-sessions/<sessionId>/pay pays without a browser (the signed webhook follows).");
    }
    if (!api.isLoopback()) {
      out.println();
      out.println("WARNING: listening beyond this machine (--host " + api.baseUrl()
          + "): a request from another machine reaches only POST /webhooks/stripe; every route behind the"
          + " authorizer answers it 401.");
    }
    out.println();
    out.println("Ready. Ctrl-C stops everything.");
  }

  /** The parsed command line. */
  static final class Arguments {
    String command;
    List<String> positional = new ArrayList<>();
    Optional<String> event = Optional.empty();
    Optional<String> org = Optional.empty();
    String host = "127.0.0.1";
    int port = 3000;
    RunOptions options;

    static Arguments parse(String[] args, Path project, Map<String, String> env) {
      Arguments a = new Arguments();
      a.command = args[0];
      Path template = project.resolve("template.yaml");
      Optional<Path> envVars = Optional.empty();
      Map<String, String> overrides = new LinkedHashMap<>();
      Path dataDir = project.resolve(".local");
      boolean fresh = false;
      for (int i = 1; i < args.length; i++) {
        String arg = args[i];
        switch (arg) {
          case "--event", "-e" -> a.event = Optional.of(value(args, ++i, arg));
          case "--env-vars", "-n" -> envVars = Optional.of(Path.of(value(args, ++i, arg)));
          case "--template", "-t" -> template = Path.of(value(args, ++i, arg));
          case "--data-dir" -> dataDir = Path.of(value(args, ++i, arg));
          case "--fresh" -> fresh = true;
          case "--org" -> a.org = Optional.of(value(args, ++i, arg));
          case "--host" -> a.host = value(args, ++i, arg);
          case "--port", "-p" -> a.port = port(value(args, ++i, arg));
          case "--parameter-overrides" -> {
            if (i + 1 >= args.length || args[i + 1].startsWith("--")) {
              throw new UsageException("--parameter-overrides needs at least one Name=Value");
            }
            while (i + 1 < args.length && !args[i + 1].startsWith("--")) {
              parseOverride(args[++i], overrides);
            }
          }
          default -> {
            if (arg.startsWith("-")) {
              throw new UsageException("unknown option " + arg + "\n\n" + USAGE_TEXT);
            }
            a.positional.add(arg);
          }
        }
      }
      if (!a.command.equals("invoke") && !a.positional.isEmpty()) {
        throw new UsageException(a.command + " takes no argument " + a.positional.get(0));
      }
      a.options = new RunOptions(project, template, envVars, Map.copyOf(overrides), dataDir, fresh, env);
      return a;
    }

    private static String value(String[] args, int i, String option) {
      if (i >= args.length || args[i].startsWith("--")) {
        throw new UsageException(option + " needs a value");
      }
      return args[i];
    }

    private static int port(String text) {
      try {
        int port = Integer.parseInt(text);
        if (port < 0 || port > 65535) {
          throw new NumberFormatException();
        }
        return port;
      } catch (NumberFormatException e) {
        throw new UsageException("--port must be a number from 0 to 65535, not " + text);
      }
    }

    /** {@code Name=Value}, or sam's {@code ParameterKey=Name,ParameterValue=Value}. */
    static void parseOverride(String text, Map<String, String> into) {
      if (text.startsWith("ParameterKey=")) {
        int comma = text.indexOf(",ParameterValue=");
        if (comma < 0) {
          throw new UsageException("expected ParameterKey=Name,ParameterValue=Value, not " + text);
        }
        into.put(text.substring("ParameterKey=".length(), comma), text.substring(comma + ",ParameterValue=".length()));
        return;
      }
      int eq = text.indexOf('=');
      if (eq <= 0) {
        throw new UsageException("a parameter override is Name=Value, not " + text);
      }
      into.put(text.substring(0, eq), text.substring(eq + 1));
    }
  }
}
