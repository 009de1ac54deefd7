package dev.switchboard.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * docs/configuration.md is the reference of every environment variable a function reads: what
 * the code reads ({@link EnvironmentReads}, on the sources of shared/, schema/ and every
 * functions/ module) is exactly what it lists, and every variable the template gives a
 * function is there with the template parameters it comes from.
 */
class ConfigurationReferenceTest {
  private static final Path REFERENCE = Path.of("docs/configuration.md");
  private static final String HEADER = "| variable | template parameter | default | meaning |";
  private static final String SECRET_ID = "_SECRET_ID";
  private static final String SECRET_ID_PATTERN = "<NAME>" + SECRET_ID;
  private static final Pattern CODE = Pattern.compile("`([^`]+)`");

  /** One row of the reference: its variables, and the template names its parameter column gives. */
  record Row(List<String> variables, Set<String> parameters) {}

  @Test
  void theReferenceLists_everyVariableTheFunctionsRead_andNoOther() throws IOException {
    List<Path> sources = new ArrayList<>(List.of(Path.of("shared/src/main/java"), Path.of("schema/src/main/java")));
    try (Stream<Path> modules = Files.list(Path.of("functions"))) {
      modules.map(m -> m.resolve("src/main/java")).filter(Files::isDirectory).sorted().forEach(sources::add);
    }

    EnvironmentReads.Found read = EnvironmentReads.in(sources);

    assertEquals(List.of(), read.unresolved(), "reads whose variable cannot be told: name it with a constant");
    // the finder itself: these are read in four different ways, so it cannot be finding nothing
    assertTrue(read.names().containsAll(List.of("DATABASE_URL", "AWS_LAMBDA_LOG_LEVEL", "SECRETS_MAX_AGE_SECONDS",
        "NUMBER_PRICE_PENCE", SECRET_ID_PATTERN)), read.names().toString());
    Set<String> documented = documented().keySet();
    Set<String> missing = new TreeSet<>();
    for (String name : read.names()) {
      if (!documented.contains(name) && !isSecretIdOfADocumentedSetting(name, documented)) {
        missing.add(name);
      }
    }
    Set<String> unread = new TreeSet<>(documented);
    unread.removeAll(read.names());
    assertEquals(Map.of("read by the code, not listed", Set.of(), "listed, read by no function", Set.of()),
        Map.of("read by the code, not listed", missing, "listed, read by no function", unread), REFERENCE.toString());
  }

  @Test
  void everyVariableTheTemplateGivesAFunction_isInTheReference_withTheParametersItComesFrom() {
    Map<String, Object> template = CfnYaml.load(Path.of("template.yaml"));
    Set<String> parameters = map(template.get("Parameters")).keySet();
    Map<String, Object> resources = map(template.get("Resources"));
    Map<String, Object> variables = new TreeMap<>(variables(map(map(template.get("Globals")).get("Function"))));
    for (Object resource : resources.values()) {
      if ("AWS::Serverless::Function".equals(map(resource).get("Type"))) {
        variables.putAll(variables(map(map(resource).get("Properties"))));
      }
    }
    assertFalse(variables.isEmpty(), "the template gives the functions no variable?");
    Map<String, Row> reference = documented();

    List<String> problems = new ArrayList<>();
    for (Map.Entry<String, Object> variable : variables.entrySet()) {
      String name = variable.getKey();
      String setting = reference.containsKey(name) || !name.endsWith(SECRET_ID) ? name
          : name.substring(0, name.length() - SECRET_ID.length());
      Row row = reference.get(setting);
      if (row == null || (!setting.equals(name) && !reference.containsKey(SECRET_ID_PATTERN))) {
        problems.add(name + " is not in the reference");
        continue;
      }
      Set<String> from = new TreeSet<>();
      parametersIn(variable.getValue(), parameters, from);
      from.removeAll(row.parameters());
      if (!from.isEmpty()) {
        problems.add(setting + ": its row does not name the parameters it comes from: " + from);
      }
    }
    for (Map.Entry<String, Row> row : reference.entrySet()) {
      for (String named : row.getValue().parameters()) {
        if (!parameters.contains(named) && !resources.containsKey(named)) {
          problems.add(row.getKey() + ": its row names " + named + ", which the template does not have");
        }
      }
    }
    assertEquals(List.of(), problems);
  }

  /** {@code X_SECRET_ID} where {@code X} is documented, and the reference explains {@code <NAME>_SECRET_ID}. */
  private static boolean isSecretIdOfADocumentedSetting(String name, Set<String> documented) {
    return name.endsWith(SECRET_ID) && documented.contains(SECRET_ID_PATTERN)
        && documented.contains(name.substring(0, name.length() - SECRET_ID.length()));
  }

  /** The reference's table: each variable (first column, in backticks) and its row. */
  private static Map<String, Row> documented() {
    List<String> lines;
    try {
      lines = Files.readAllLines(REFERENCE);
    } catch (IOException e) {
      throw new AssertionError("no configuration reference at " + REFERENCE, e);
    }
    int header = lines.indexOf(HEADER);
    assertTrue(header >= 0, REFERENCE + " has no table headed " + HEADER);
    Map<String, Row> rows = new LinkedHashMap<>();
    for (String line : lines.subList(header + 2, lines.size())) {
      if (!line.startsWith("|")) {
        break;
      }
      String[] cells = line.split("\\|", -1);
      assertEquals(6, cells.length, "a row of four cells (no | inside one): " + line);
      List<String> variables = codes(cells[1]);
      assertFalse(variables.isEmpty(), "a row without a variable: " + line);
      Row row = new Row(variables, new TreeSet<>(codes(cells[2])));
      for (String variable : variables) {
        assertTrue(variable.equals(SECRET_ID_PATTERN) || variable.matches("[A-Z][A-Z0-9_]*"),
            "not a variable name: " + variable);
        assertTrue(rows.put(variable, row) == null, variable + " is listed twice");
      }
    }
    assertFalse(rows.isEmpty(), REFERENCE + "'s table has no rows");
    return rows;
  }

  private static List<String> codes(String cell) {
    List<String> found = new ArrayList<>();
    Matcher m = CODE.matcher(cell);
    while (m.find()) {
      found.add(m.group(1));
    }
    return found;
  }

  private static Map<String, Object> variables(Map<String, Object> functionProperties) {
    return map(map(functionProperties.get("Environment")).get("Variables"));
  }

  /** The template parameters an intrinsic value refers to ({@code Ref}, or {@code ${Name}} in a {@code Fn::Sub}). */
  private static void parametersIn(Object value, Set<String> parameters, Set<String> into) {
    if (value instanceof Map<?, ?> m) {
      for (Map.Entry<?, ?> e : m.entrySet()) {
        if ("Ref".equals(e.getKey()) && parameters.contains(String.valueOf(e.getValue()))) {
          into.add(String.valueOf(e.getValue()));
        } else if ("Fn::Sub".equals(e.getKey())) {
          // "text", or [text, {name: value}]
          Object text = e.getValue() instanceof List<?> form && !form.isEmpty() ? form.get(0) : e.getValue();
          if (e.getValue() instanceof List<?> form && form.size() > 1) {
            parametersIn(form.get(1), parameters, into);
          }
          Matcher names = Pattern.compile("\\$\\{([A-Za-z0-9]+)}").matcher(String.valueOf(text));
          while (names.find()) {
            if (parameters.contains(names.group(1))) {
              into.add(names.group(1));
            }
          }
        } else {
          parametersIn(e.getValue(), parameters, into);
        }
      }
    } else if (value instanceof List<?> l) {
      l.forEach(item -> parametersIn(item, parameters, into));
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object value) {
    return value instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
  }
}
