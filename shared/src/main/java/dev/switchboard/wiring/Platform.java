package dev.switchboard.wiring;

import dev.switchboard.config.Credential;
import dev.switchboard.config.Settings;
import dev.switchboard.db.Database;
import dev.switchboard.db.DatabaseUrl;
import dev.switchboard.db.IamAuthTokens;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The pieces every function builds once per container from its settings. Each function's
 * own wiring adds the provider clients it uses, and only those.
 */
public record Platform(Settings settings, Database database, String orgClaim) {
  public static final String DEFAULT_ORG_CLAIM = "org_id";

  public static Platform from(Settings settings) {
    Credential url = new Credential(settings, "DATABASE_URL");
    // set by the template when the functions go through RDS Proxy (docs/deploy.md)
    Optional<String> proxyHost = settings.get("DATABASE_PROXY_HOST");
    Function<String, DatabaseUrl> locate = raw -> {
      DatabaseUrl parsed = DatabaseUrl.parse(raw);
      return proxyHost.map(parsed::throughHost).orElse(parsed);
    };
    Supplier<DatabaseUrl> located = () -> locate.apply(url.current());
    located.get(); // a malformed URL stops the start, naming the setting
    // set by the template's DatabaseIamAuth: the password is a token made per new connection
    boolean iamAuth = settings.getOrDefault("DATABASE_IAM_AUTH", "false").equals("true");
    Supplier<DatabaseUrl> current = iamAuth
        ? IamAuthTokens.forRegion(settings.require("AWS_REGION")).asPasswords(located)
        : located;
    // after a refused login, one more try when the secret now holds another login (with IAM
    // authentication the password is a new token each time, so it does not count)
    Database database = new Database(current, refused -> url.refreshed().map(locate)
        .filter(now -> !now.jdbcUrl().equals(refused.jdbcUrl()) || !now.user().equals(refused.user())
            || (!iamAuth && !now.password().equals(refused.password())))
        .isPresent());
    return new Platform(settings, database, settings.getOrDefault("ORG_ID_CLAIM", DEFAULT_ORG_CLAIM));
  }
}
