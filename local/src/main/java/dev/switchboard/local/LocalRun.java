package dev.switchboard.local;

import dev.switchboard.deploy.OwnStack;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * The template, the services around it and one pool of execution environments per function:
 * what invoke, start-api and demo run on.
 *
 * <p>A function's environment is composed in this order, each later source winning:
 * what Lambda derives from the template's {@code LoggingConfig} ({@code AWS_LAMBDA_LOG_LEVEL}
 * with the JSON format), the template's {@code Environment.Variables} (Globals merged,
 * parameters resolved), the
 * {@code --env-vars} file ("Parameters", then the function's block), the runner's own process
 * environment, and last the sandboxes' settings, for exactly the services that are sandboxed
 * because nothing real was given. Lambda's own variables ({@code AWS_REGION},
 * {@code AWS_LAMBDA_FUNCTION_NAME}, ...) are added where not set.
 */
final class LocalRun implements AutoCloseable {
  /** Parallel execution environments per function, as a small reserved concurrency. */
  static final int MAX_CONCURRENCY_PER_FUNCTION = 4;

  /** The authorizer function of the template's lambda mode. */
  static final String AUTHORIZER_FUNCTION = "AuthorizerFunction";

  private final TemplateModel template;
  private final LocalServices services;
  private final Intrinsics intrinsics;
  private final String devKey;
  private final boolean authorizerSandboxed;
  private final Map<String, FunctionPool> pools = new LinkedHashMap<>();
  private final Path projectDirectory;

  private LocalRun(TemplateModel template, LocalServices services, Intrinsics intrinsics, String devKey,
      boolean authorizerSandboxed, Path projectDirectory) {
    this.projectDirectory = projectDirectory;
    this.template = template;
    this.services = services;
    this.intrinsics = intrinsics;
    this.devKey = devKey;
    this.authorizerSandboxed = authorizerSandboxed;
  }

  static LocalRun start(RunOptions options, boolean seedDemoOrganisation, List<ProviderSandbox> sandboxes,
      PrintStream out) {
    TemplateModel template = TemplateModel.load(options.template());
    EnvVarsFile envVars = options.envVarsFile().map(EnvVarsFile::read).orElse(EnvVarsFile.NONE);
    for (String block : envVars.perFunction().keySet()) {
      if (template.function(block).isEmpty()) {
        throw new UsageException("--env-vars names " + block + ", which is not a function of "
            + options.template() + " (functions: " + template.functions().keySet() + ")");
      }
    }
    Map<String, String> process = options.processEnvironment();
    String region = Optional.ofNullable(process.get("AWS_REGION")).orElse("us-east-1");
    Intrinsics intrinsics = template.intrinsics(options.parameterOverrides(), Map.of("AWS::Region", region,
        "AWS::StackId", "arn:aws:cloudformation:" + region + ":123456789012:stack/switchboard-local/local"));

    Predicate<String> given = name -> present(process.get(name)) || envVars.mentions(name);
    Map<String, String> givenValues = new LinkedHashMap<>();
    envVars.perFunction().values().forEach(givenValues::putAll);
    givenValues.putAll(envVars.everyFunction());
    process.forEach((k, v) -> {
      if (present(v)) {
        givenValues.put(k, v);
      }
    });

    out.printf("Switchboard local: %s, %d functions, %d HTTP routes%n", options.template(),
        template.functions().size(), template.routes().size());
    LocalServices services = LocalServices.start(given, givenValues, options.dataDirectory(), options.fresh(),
        seedDemoOrganisation, sandboxes, out);
    String devKey;
    try {
      devKey = DevJwt.key(process, options.dataDirectory());
    } catch (RuntimeException e) {
      services.close();
      throw e;
    }
    // the lambda mode's authorizer verifies the local tokens unless a real issuer is named
    // (JwtIssuer, or the function's own AUTHORIZER_ISSUER): docs/local.md
    boolean authorizerSandboxed = !options.parameterOverrides().containsKey("JwtIssuer") && !given.test("AUTHORIZER_ISSUER");
    Map<String, String> authorizerSandbox = authorizerSandboxed ? Map.of("AUTHORIZER_ISSUER", DevJwt.ISSUER,
        "AUTHORIZER_AUDIENCE", DevJwt.AUDIENCE, "AUTHORIZER_ALGORITHMS", "HS256", "AUTHORIZER_JWKS_URL", "",
        "AUTHORIZER_HS256_SECRET", devKey) : Map.of();
    out.printf("  tokens    %s%n", authorizerSandboxed
        ? "SANDBOX   local tokens (HS256) signed with " + (present(process.get(DevJwt.SECRET_VARIABLE))
            ? DevJwt.SECRET_VARIABLE : "the key in " + options.dataDirectory().resolve(DevJwt.KEY_FILE))
            + "; ./run token prints one"
        : "REAL      the lambda mode's authorizer verifies the issuer's tokens (JwtIssuer "
            + options.parameterOverrides().getOrDefault("JwtIssuer", process.getOrDefault("AUTHORIZER_ISSUER", "given")) + ")");
    LocalRun run = new LocalRun(template, services, intrinsics, devKey, authorizerSandboxed,
        options.projectDirectory());

    Map<String, String> unset = new TreeMap<>();
    for (FunctionSpec function : template.functions().values()) {
      TemplateModel.ResolvedEnvironment resolved = TemplateModel.environment(function, intrinsics);
      Map<String, String> env = new LinkedHashMap<>(TemplateModel.loggingEnvironment(function, intrinsics));
      env.putAll(resolved.values());
      env.putAll(envVars.forFunction(function.logicalId()));
      env.putAll(process);
      env.putAll(services.settings());
      if (function.logicalId().equals(AUTHORIZER_FUNCTION)) {
        env.putAll(authorizerSandbox);
      }
      // custom resources answer a local receiver on a loopback address only with this (docs/local.md)
      env.putIfAbsent(OwnStack.LOOPBACK_RESPONSE, "allow");
      env.putIfAbsent("AWS_REGION", region);
      env.putIfAbsent("AWS_DEFAULT_REGION", region);
      env.put("AWS_LAMBDA_FUNCTION_NAME", function.logicalId());
      env.put("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST");
      env.put("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", Integer.toString(function.memoryMb()));
      env.put("_HANDLER", function.handler());
      resolved.unresolved().forEach((name, why) -> {
        if (!env.containsKey(name)) {
          unset.put(name, why);
        }
      });
      run.pools.put(function.logicalId(), new FunctionPool(function, env, options.projectDirectory(),
          MAX_CONCURRENCY_PER_FUNCTION));
    }
    unset.forEach((name, why) -> out.printf("  template  %s left unset: %s%n", name, why));
    return run;
  }

  TemplateModel template() {
    return template;
  }

  /** The repository the run reads its template and docs from. */
  Path projectDirectory() {
    return projectDirectory;
  }

  LocalServices services() {
    return services;
  }

  /** A template parameter's value in this run (its Default, or --parameter-overrides). */
  Optional<String> parameter(String name) {
    try {
      return intrinsics.string(Map.of("Ref", name));
    } catch (Intrinsics.Unresolvable e) {
      return Optional.empty();
    }
  }

  /** The key the local tokens are signed with ({@link DevJwt}). */
  String devKey() {
    return devKey;
  }

  /** True when the lambda mode's authorizer checks the local tokens, not a real issuer's. */
  boolean authorizerSandboxed() {
    return authorizerSandboxed;
  }

  /** The function's pool; empty for a logical id the template does not have. */
  Optional<FunctionPool> pool(String logicalId) {
    return Optional.ofNullable(pools.get(logicalId));
  }

  private static boolean present(String value) {
    return value != null && !value.isBlank();
  }

  /** Ends every function process, then the sandboxes and the database. */
  @Override
  public void close() {
    pools.values().forEach(FunctionPool::close);
    services.close();
  }
}
