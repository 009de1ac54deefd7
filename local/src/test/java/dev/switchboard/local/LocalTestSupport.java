package dev.switchboard.local;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** What the runner's tests share: a clean process environment and a way to run the command line. */
final class LocalTestSupport {
  static final Path PROJECT = Path.of("").toAbsolutePath();

  /** Settings that would make a run use something real: a test never inherits them. */
  static final List<String> REAL_SETTINGS = List.of("DATABASE_URL", "TWILIO_MASTER_ACCOUNT_SID",
      "TWILIO_MASTER_AUTH_TOKEN", "TWILIO_API_BASE_URL", "VAPI_API_KEY", "VAPI_API_BASE_URL", "STRIPE_API_KEY",
      "STRIPE_API_BASE_URL", "STRIPE_WEBHOOK_SECRET", "ENCRYPTION_KEY", "ORG_ID_CLAIM",
      DevJwt.SECRET_VARIABLE, "AUTHORIZER_ISSUER", "AUTHORIZER_HS256_SECRET", "AUTHORIZER_JWKS_URL");

  private LocalTestSupport() {}

  /** This JVM's environment without any real setting, plus the given variables. */
  static Map<String, String> processEnvironment(Map<String, String> extra) {
    Map<String, String> env = new HashMap<>(System.getenv());
    REAL_SETTINGS.forEach(env::remove);
    env.putAll(extra);
    return env;
  }

  record Result(int exitCode, String stdout, String stderr) {}

  /** The command line as ./run runs it, in this JVM; stdout and stderr captured. */
  static Result run(Map<String, String> env, String... args) {
    return runWithInput("", env, args);
  }

  /** The same, with what the command reads from stdin. */
  static Result runWithInput(String stdin, Map<String, String> env, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code;
    try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
         PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
      code = Main.run(args, PROJECT, env,
          new java.io.ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), o, e);
    }
    return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }
}
