package dev.switchboard.deploy;

import java.util.Map;
import java.util.OptionalLong;

/**
 * Tells a rollback Update from a forward one. When an update fails, CloudFormation sends each
 * custom resource it changed a second Update with {@code ResourceProperties} the old ones and
 * {@code OldResourceProperties} the new ones. The template gives both custom resources
 * {@code FunctionVersion} (the function's version ARN, {@code …:function:name:7}); Lambda numbers
 * a function's versions upwards, so an Update to a lower version of the same function goes back.
 */
public final class Rollbacks {
  public static final String FUNCTION_VERSION = "FunctionVersion";

  private Rollbacks() {}

  /** True when the Update goes to an older version of the same function than the one it leaves. */
  public static boolean toOlderFunctionVersion(Map<String, Object> properties, Map<String, Object> old) {
    String to = text(properties);
    String from = text(old);
    if (to == null || from == null || !function(to).equals(function(from))) {
      return false;
    }
    OptionalLong a = number(to);
    OptionalLong b = number(from);
    return a.isPresent() && b.isPresent() && a.getAsLong() < b.getAsLong();
  }

  private static String text(Map<String, Object> properties) {
    Object v = properties == null ? null : properties.get(FUNCTION_VERSION);
    return v == null ? null : String.valueOf(v).trim();
  }

  private static String function(String versionArn) {
    int colon = versionArn.lastIndexOf(':');
    return colon < 0 ? versionArn : versionArn.substring(0, colon);
  }

  private static OptionalLong number(String versionArn) {
    String n = versionArn.substring(versionArn.lastIndexOf(':') + 1);
    if (!n.matches("[0-9]{1,18}")) {
      return OptionalLong.empty();
    }
    return OptionalLong.of(Long.parseLong(n));
  }
}
