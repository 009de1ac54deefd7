package dev.switchboard.local;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An {@code --env-vars} file in {@code sam local}'s format:
 * {@code {"Parameters": {"VAR": "v"}, "ListNumbersFunction": {"VAR": "w"}}}. "Parameters"
 * applies to every function, a function's own block to it alone and wins.
 */
record EnvVarsFile(Map<String, String> everyFunction, Map<String, Map<String, String>> perFunction) {
  static final EnvVarsFile NONE = new EnvVarsFile(Map.of(), Map.of());

  static EnvVarsFile read(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new UsageException("no --env-vars file at " + file);
    }
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(Files.readString(file));
    } catch (JsonProcessingException e) {
      throw new UsageException(file + " is not valid JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new UsageException("cannot read " + file + ": " + e.getMessage());
    }
    if (root == null || !root.isObject()) {
      throw new UsageException(file + " must hold a JSON object: {\"Parameters\": {...}, \"<FunctionLogicalId>\": {...}}");
    }
    Map<String, String> every = Map.of();
    Map<String, Map<String, String>> per = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> entry : root.properties()) {
      Map<String, String> values = variables(file, entry.getKey(), entry.getValue());
      if (entry.getKey().equals("Parameters")) {
        every = values;
      } else {
        per.put(entry.getKey(), values);
      }
    }
    return new EnvVarsFile(every, per);
  }

  /** The file's variables for one function: "Parameters", then the function's own block. */
  Map<String, String> forFunction(String logicalId) {
    Map<String, String> out = new LinkedHashMap<>(everyFunction);
    out.putAll(perFunction.getOrDefault(logicalId, Map.of()));
    return out;
  }

  /** Is the variable set anywhere in the file? */
  boolean mentions(String name) {
    return present(everyFunction.get(name))
        || perFunction.values().stream().anyMatch(m -> present(m.get(name)));
  }

  private static boolean present(String value) {
    return value != null && !value.isBlank();
  }

  private static Map<String, String> variables(Path file, String block, JsonNode node) {
    if (!node.isObject()) {
      throw new UsageException(file + ": \"" + block + "\" must be an object of variables");
    }
    Map<String, String> values = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> v : node.properties()) {
      if (v.getValue().isContainerNode()) {
        throw new UsageException(file + ": " + block + "." + v.getKey() + " must be a string, number or boolean");
      }
      if (!v.getValue().isNull()) {
        values.put(v.getKey(), v.getValue().asText());
      }
    }
    return values;
  }
}
