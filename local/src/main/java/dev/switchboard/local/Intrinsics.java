package dev.switchboard.local;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Evaluates CloudFormation intrinsic functions the way a local run can: parameters (default
 * or overridden), pseudo parameters (given local values), conditions and mappings resolve;
 * anything naming a deployed resource ({@code !GetAtt}, {@code !Ref} of a resource,
 * {@code !ImportValue}) cannot, and says so with {@link Unresolvable}.
 */
final class Intrinsics {
  /** Local stand-ins for the pseudo parameters a deployed stack would have. */
  static final Map<String, String> PSEUDO_DEFAULTS = Map.of(
      "AWS::Region", "us-east-1",
      "AWS::AccountId", "123456789012",
      "AWS::StackName", "switchboard-local",
      "AWS::StackId", "arn:aws:cloudformation:us-east-1:123456789012:stack/switchboard-local/local",
      "AWS::Partition", "aws",
      "AWS::URLSuffix", "amazonaws.com");

  private static final Pattern SUB_VARIABLE = Pattern.compile("\\$\\{([^}]*)}");

  private final Map<String, String> parameters;
  private final Map<String, String> pseudo;
  private final Map<String, Object> conditions;
  private final Map<String, Object> mappings;
  /** What a deployment made: {@code Ref} values by logical id, {@code GetAtt} values by "Id.Attribute". */
  private final Map<String, String> deployed;

  Intrinsics(Map<String, String> parameters, Map<String, String> pseudo,
      Map<String, Object> conditions, Map<String, Object> mappings) {
    this(parameters, pseudo, conditions, mappings, Map.of());
  }

  private Intrinsics(Map<String, String> parameters, Map<String, String> pseudo,
      Map<String, Object> conditions, Map<String, Object> mappings, Map<String, String> deployed) {
    this.parameters = parameters;
    this.pseudo = pseudo;
    this.conditions = conditions;
    this.mappings = mappings;
    this.deployed = deployed;
  }

  /**
   * The same evaluator that also knows deployed resources (the stack lifecycle test plays
   * CloudFormation): {@code Ref X} and {@code !GetAtt X.Attr} / {@code ${X.Attr}} from {@code deployed}.
   */
  Intrinsics withDeployed(Map<String, String> deployed) {
    return new Intrinsics(parameters, pseudo, conditions, mappings, deployed);
  }

  /** A value that cannot be known without deploying. */
  static final class Unresolvable extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Unresolvable(String message) {
      super(message);
    }
  }

  /** The value as a string; empty for {@code AWS::NoValue}. */
  Optional<String> string(Object value) {
    Object resolved = resolve(value);
    if (resolved == null) {
      return Optional.empty();
    }
    if (resolved instanceof Map || resolved instanceof List) {
      throw new Unresolvable("not a single value: " + resolved);
    }
    return Optional.of(String.valueOf(resolved));
  }

  /** Resolves every intrinsic inside the value; null stands for {@code AWS::NoValue}. */
  Object resolve(Object value) {
    if (value instanceof Map<?, ?> map) {
      if (map.size() == 1) {
        String key = String.valueOf(map.keySet().iterator().next());
        Object arg = map.values().iterator().next();
        if (key.equals("Ref") || key.startsWith("Fn::") || key.equals("Condition")) {
          return function(key, arg);
        }
      }
      Map<String, Object> out = new java.util.LinkedHashMap<>();
      map.forEach((k, v) -> {
        Object r = resolve(v);
        if (r != null) {
          out.put(String.valueOf(k), r);
        }
      });
      return out;
    }
    if (value instanceof List<?> list) {
      List<Object> out = new ArrayList<>();
      for (Object item : list) {
        Object r = resolve(item);
        if (r != null) {
          out.add(r);
        }
      }
      return out;
    }
    return value;
  }

  boolean condition(String name) {
    Object definition = conditions.get(name);
    if (definition == null) {
      throw new Unresolvable("no condition named " + name);
    }
    return truth(definition);
  }

  private Object function(String key, Object arg) {
    switch (key) {
      case "Ref":
        return ref(String.valueOf(arg));
      case "Condition":
        return condition(String.valueOf(arg));
      case "Fn::Sub":
        return sub(arg);
      case "Fn::If": {
        List<?> args = list(key, arg, 3);
        return condition(String.valueOf(args.get(0))) ? resolve(args.get(1)) : resolve(args.get(2));
      }
      case "Fn::Equals": {
        List<?> args = list(key, arg, 2);
        return String.valueOf(resolve(args.get(0))).equals(String.valueOf(resolve(args.get(1))));
      }
      case "Fn::Not":
        return !truth(list(key, arg, 1).get(0));
      case "Fn::And":
        return list(key, arg, -1).stream().allMatch(this::truth);
      case "Fn::Or":
        return list(key, arg, -1).stream().anyMatch(this::truth);
      case "Fn::Select": {
        List<?> args = list(key, arg, 2);
        int index = Integer.parseInt(String.valueOf(resolve(args.get(0))));
        Object from = resolve(args.get(1));
        if (!(from instanceof List<?> items) || index < 0 || index >= items.size()) {
          throw new Unresolvable("Fn::Select index " + index + " out of range");
        }
        return items.get(index);
      }
      case "Fn::Join": {
        List<?> args = list(key, arg, 2);
        Object items = resolve(args.get(1));
        if (!(items instanceof List<?> parts)) {
          throw new Unresolvable("Fn::Join needs a list");
        }
        List<String> strings = new ArrayList<>();
        parts.forEach(p -> strings.add(String.valueOf(p)));
        return String.join(String.valueOf(resolve(args.get(0))), strings);
      }
      case "Fn::Split": {
        List<?> args = list(key, arg, 2);
        String delimiter = String.valueOf(resolve(args.get(0)));
        return List.of(String.valueOf(resolve(args.get(1))).split(Pattern.quote(delimiter), -1));
      }
      case "Fn::FindInMap": {
        List<?> args = list(key, arg, 3);
        Object top = mappings.get(String.valueOf(resolve(args.get(0))));
        Object second = top instanceof Map<?, ?> m ? m.get(String.valueOf(resolve(args.get(1)))) : null;
        Object third = second instanceof Map<?, ?> m ? m.get(String.valueOf(resolve(args.get(2)))) : null;
        if (third == null) {
          throw new Unresolvable("Fn::FindInMap finds nothing for " + args);
        }
        return third;
      }
      case "Fn::Base64":
        return java.util.Base64.getEncoder().encodeToString(
            String.valueOf(resolve(arg)).getBytes(java.nio.charset.StandardCharsets.UTF_8));
      case "Fn::GetAtt": {
        String name = arg instanceof List<?> parts ? parts.get(0) + "." + parts.get(1) : String.valueOf(arg);
        if (deployed.containsKey(name)) {
          return deployed.get(name);
        }
        throw new Unresolvable("!GetAtt " + arg + " names a deployed resource");
      }
      case "Fn::ImportValue":
        throw new Unresolvable("!ImportValue needs another deployed stack");
      default:
        throw new Unresolvable(key + " is not evaluated locally");
    }
  }

  private Object ref(String name) {
    if (name.equals("AWS::NoValue")) {
      return null;
    }
    if (parameters.containsKey(name)) {
      String value = parameters.get(name);
      if (value == null) {
        throw new Unresolvable("parameter " + name + " has no Default: pass --parameter-overrides "
            + name + "=<value>");
      }
      return value;
    }
    if (pseudo.containsKey(name)) {
      return pseudo.get(name);
    }
    if (deployed.containsKey(name)) {
      return deployed.get(name);
    }
    throw new Unresolvable("!Ref " + name + " names a resource that exists only when deployed");
  }

  private String sub(Object arg) {
    String text;
    Map<?, ?> variables = Map.of();
    if (arg instanceof List<?> list) {
      if (list.size() != 2 || !(list.get(1) instanceof Map<?, ?> vars)) {
        throw new Unresolvable("Fn::Sub takes a string, or [string, {variables}]");
      }
      text = String.valueOf(list.get(0));
      variables = vars;
    } else {
      text = String.valueOf(arg);
    }
    Matcher m = SUB_VARIABLE.matcher(text);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String name = m.group(1);
      String replacement;
      if (name.startsWith("!")) {
        replacement = "${" + name.substring(1) + "}"; // ${!Literal} stays literal
      } else if (variables.containsKey(name)) {
        replacement = String.valueOf(resolve(variables.get(name)));
      } else if (name.contains(".") && deployed.containsKey(name)) {
        replacement = deployed.get(name);
      } else if (name.contains(".")) {
        throw new Unresolvable("${" + name + "} names an attribute of a deployed resource");
      } else {
        replacement = String.valueOf(ref(name));
      }
      m.appendReplacement(out, Matcher.quoteReplacement(replacement));
    }
    m.appendTail(out);
    return out.toString();
  }

  private boolean truth(Object value) {
    Object resolved = resolve(value);
    if (resolved instanceof Boolean b) {
      return b;
    }
    return Boolean.parseBoolean(String.valueOf(resolved));
  }

  private static List<?> list(String function, Object arg, int size) {
    if (!(arg instanceof List<?> list) || (size >= 0 && list.size() != size)) {
      throw new Unresolvable(function + " expects a list" + (size >= 0 ? " of " + size : ""));
    }
    return list;
  }
}
