package dev.switchboard.local;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the runner needs from {@code template.yaml}: every {@code AWS::Serverless::Function}
 * (handler, timeout, memory, environment) with {@code Globals} merged in, the HTTP API routes
 * of their {@code HttpApi} events, and the parameters that their environment refers to.
 */
final class TemplateModel {
  private static final int DEFAULT_TIMEOUT_SECONDS = 3; // Lambda's own default
  private static final int DEFAULT_MEMORY_MB = 128;

  private final Path file;
  private final Map<String, String> parameterDefaults;
  private final Map<String, Object> conditions;
  private final Map<String, Object> mappings;
  private final Map<String, FunctionSpec> functions;
  private final Map<String, Object> resources;
  private final Map<String, Object> functionGlobals;

  private TemplateModel(Path file, Map<String, String> parameterDefaults, Map<String, Object> conditions,
      Map<String, Object> mappings, Map<String, FunctionSpec> functions, Map<String, Object> resources,
      Map<String, Object> functionGlobals) {
    this.resources = resources;
    this.functionGlobals = functionGlobals;
    this.file = file;
    this.parameterDefaults = parameterDefaults;
    this.conditions = conditions;
    this.mappings = mappings;
    this.functions = functions;
  }

  static TemplateModel load(Path file) {
    if (!file.toFile().isFile()) {
      throw new TemplateException("no template at " + file.toAbsolutePath());
    }
    Map<String, Object> root = CfnYaml.load(file);
    Map<String, Object> resources = map(root.get("Resources"));
    Map<String, Object> globals = map(root.get("Globals"));
    Map<String, Object> functionGlobals = map(globals.get("Function"));
    Map<String, Object> httpApiGlobals = map(globals.get("HttpApi"));

    Map<String, String> defaults = new LinkedHashMap<>();
    map(root.get("Parameters")).forEach((name, definition) -> {
      Object value = map(definition).get("Default");
      defaults.put(name, value == null ? null : String.valueOf(value));
    });

    Map<String, FunctionSpec> functions = new LinkedHashMap<>();
    for (Map.Entry<String, Object> resource : resources.entrySet()) {
      Map<String, Object> body = map(resource.getValue());
      if (!"AWS::Serverless::Function".equals(body.get("Type"))) {
        continue;
      }
      String id = resource.getKey();
      Map<String, Object> properties = merge(functionGlobals, map(body.get("Properties")));
      Object handler = properties.get("Handler");
      if (handler == null) {
        throw new TemplateException(id + " has no Handler");
      }
      functions.put(id, new FunctionSpec(
          id,
          String.valueOf(handler),
          integer(properties.get("Timeout"), DEFAULT_TIMEOUT_SECONDS),
          integer(properties.get("MemorySize"), DEFAULT_MEMORY_MB),
          map(map(properties.get("Environment")).get("Variables")),
          map(properties.get("LoggingConfig")),
          routes(id, map(properties.get("Events")), resources, httpApiGlobals)));
    }
    return new TemplateModel(file, defaults, map(root.get("Conditions")), map(root.get("Mappings")),
        functions, resources, functionGlobals);
  }

  Path file() {
    return file;
  }

  /** Every resource as written (Type, Properties, DependsOn, Condition), in template order. */
  Map<String, Object> resources() {
    return resources;
  }

  /** A function's properties with the template's {@code Globals.Function} merged in. */
  Map<String, Object> functionProperties(String logicalId) {
    return merge(functionGlobals, map(map(resources.get(logicalId)).get("Properties")));
  }

  Map<String, FunctionSpec> functions() {
    return functions;
  }

  Optional<FunctionSpec> function(String logicalId) {
    return Optional.ofNullable(functions.get(logicalId));
  }

  /** Every route of every function, the most specific first (as API Gateway matches them). */
  List<HttpRoute> routes() {
    List<HttpRoute> all = new ArrayList<>();
    functions.values().forEach(f -> all.addAll(f.routes()));
    all.sort(Comparator.comparingInt(HttpRoute::specificity).reversed());
    return all;
  }

  Map<String, String> parameterDefaults() {
    return parameterDefaults;
  }

  /** The evaluator for a run: parameter defaults, overridden by {@code --parameter-overrides}. */
  Intrinsics intrinsics(Map<String, String> parameterOverrides, Map<String, String> pseudoOverrides) {
    for (String name : parameterOverrides.keySet()) {
      if (!parameterDefaults.containsKey(name)) {
        throw new TemplateException("--parameter-overrides names " + name
            + ", which the template does not declare (it has: " + parameterDefaults.keySet() + ")");
      }
    }
    Map<String, String> parameters = new HashMap<>(parameterDefaults);
    parameters.putAll(parameterOverrides);
    Map<String, String> pseudo = new HashMap<>(Intrinsics.PSEUDO_DEFAULTS);
    pseudo.putAll(pseudoOverrides);
    return new Intrinsics(parameters, pseudo, conditions, mappings);
  }

  /** A function's environment from the template, and the variables that cannot be known locally. */
  record ResolvedEnvironment(Map<String, String> values, Map<String, String> unresolved) {}

  static ResolvedEnvironment environment(FunctionSpec function, Intrinsics intrinsics) {
    Map<String, String> values = new LinkedHashMap<>();
    Map<String, String> unresolved = new LinkedHashMap<>();
    function.environment().forEach((name, value) -> {
      try {
        intrinsics.string(value).ifPresent(v -> values.put(name, v));
      } catch (Intrinsics.Unresolvable e) {
        unresolved.put(name, e.getMessage());
      }
    });
    return new ResolvedEnvironment(values, unresolved);
  }

  /**
   * What Lambda adds to the environment from {@code LoggingConfig}: with the JSON log format,
   * {@code AWS_LAMBDA_LOG_FORMAT} and {@code AWS_LAMBDA_LOG_LEVEL} (the ApplicationLogLevel,
   * INFO by default), which the functions honour; with the text format, nothing.
   */
  static Map<String, String> loggingEnvironment(FunctionSpec function, Intrinsics intrinsics) {
    Map<String, Object> logging = function.loggingConfig();
    if (!"JSON".equalsIgnoreCase(intrinsics.string(logging.get("LogFormat")).orElse(""))) {
      return Map.of();
    }
    String level = intrinsics.string(logging.get("ApplicationLogLevel")).orElse("INFO");
    return Map.of("AWS_LAMBDA_LOG_FORMAT", "JSON", "AWS_LAMBDA_LOG_LEVEL", level);
  }

  private static List<HttpRoute> routes(String functionId, Map<String, Object> events,
      Map<String, Object> resources, Map<String, Object> httpApiGlobals) {
    List<HttpRoute> routes = new ArrayList<>();
    for (Object event : events.values()) {
      Map<String, Object> e = map(event);
      if (!"HttpApi".equals(e.get("Type"))) {
        continue;
      }
      Map<String, Object> properties = map(e.get("Properties"));
      // no Path and Method: the implicit API's catch-all route
      String path = String.valueOf(properties.getOrDefault("Path", "/{proxy+}"));
      String method = HttpRoute.normaliseMethod(String.valueOf(properties.getOrDefault("Method", "ANY")));
      Object routeAuthorizer = map(properties.get("Auth")).get("Authorizer");
      boolean authorized;
      if (routeAuthorizer != null) {
        authorized = !"NONE".equals(String.valueOf(routeAuthorizer));
      } else {
        Map<String, Object> apiAuth = merge(map(httpApiGlobals.get("Auth")), apiAuth(properties, resources));
        authorized = apiAuth.get("DefaultAuthorizer") != null
            && !"NONE".equals(String.valueOf(apiAuth.get("DefaultAuthorizer")))
            || definedSecurity(properties, resources, path, method);
      }
      routes.add(new HttpRoute(method, path, functionId, authorized));
    }
    return routes;
  }

  /**
   * Whether the route names a security scheme in the API's own {@code DefinitionBody} (as the
   * template does, to switch authorizers): SAM keeps that security when it adds the route.
   */
  private static boolean definedSecurity(Map<String, Object> eventProperties, Map<String, Object> resources,
      String path, String method) {
    Object apiId = eventProperties.get("ApiId");
    if (!(apiId instanceof Map<?, ?> ref) || ref.get("Ref") == null) {
      return false;
    }
    Map<String, Object> body = map(map(map(resources.get(String.valueOf(ref.get("Ref")))).get("Properties"))
        .get("DefinitionBody"));
    Map<String, Object> operation = map(map(map(body.get("paths")).get(path)).get(method.toLowerCase(java.util.Locale.ROOT)));
    return operation.get("security") instanceof List<?> security && !security.isEmpty();
  }

  /** The Auth block of the HttpApi resource the event's {@code ApiId: !Ref X} names. */
  private static Map<String, Object> apiAuth(Map<String, Object> eventProperties, Map<String, Object> resources) {
    Object apiId = eventProperties.get("ApiId");
    if (apiId instanceof Map<?, ?> ref && ref.get("Ref") != null) {
      Map<String, Object> api = map(resources.get(String.valueOf(ref.get("Ref"))));
      if (api.isEmpty()) {
        throw new TemplateException("an HttpApi event names ApiId " + ref.get("Ref")
            + ", which is not a resource of the template");
      }
      return map(map(api.get("Properties")).get("Auth"));
    }
    return Map.of();
  }

  /** SAM's Globals rule: maps merge key by key, anything else the function's own value wins. */
  @SuppressWarnings("unchecked")
  private static Map<String, Object> merge(Map<String, Object> global, Map<String, Object> own) {
    Map<String, Object> out = new LinkedHashMap<>(global);
    own.forEach((key, value) -> {
      Object g = out.get(key);
      if (g instanceof Map && value instanceof Map && !isIntrinsic((Map<String, Object>) value)) {
        out.put(key, merge((Map<String, Object>) g, (Map<String, Object>) value));
      } else {
        out.put(key, value);
      }
    });
    return out;
  }

  private static boolean isIntrinsic(Map<String, Object> value) {
    if (value.size() != 1) {
      return false;
    }
    String key = value.keySet().iterator().next();
    return key.equals("Ref") || key.startsWith("Fn::");
  }

  private static int integer(Object value, int fallback) {
    if (value == null) {
      return fallback;
    }
    try {
      return Integer.parseInt(String.valueOf(value).trim());
    } catch (NumberFormatException e) {
      return fallback; // an intrinsic (e.g. !Ref TimeoutParameter): Lambda's default locally
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object value) {
    if (value instanceof Map) {
      return (Map<String, Object>) value;
    }
    return Map.of();
  }
}
