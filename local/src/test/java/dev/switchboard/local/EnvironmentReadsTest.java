package dev.switchboard.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The finder behind the configuration reference's test: each way a name can reach a read, and what it cannot tell. */
class EnvironmentReadsTest {
  @TempDir
  Path sources;

  @Test
  void followsConstantsParametersAndFields_namesTheSecretIdPattern_andReportsWhatItCannotTell() throws Exception {
    Path file = sources.resolve("example/Example.java");
    Files.createDirectories(file.getParent());
    Files.writeString(file, """
        package example;

        class Example {
          static final String PREFIX = "EXAMPLE_";
          static final String CONSTANT = PREFIX + "CONSTANT";
          private final String field;

          Example(String field) {
            this.field = field;
          }

          static Example make() {
            return new Example("EXAMPLE_THROUGH_A_FIELD");
          }

          String constant() {
            return System.getenv(CONSTANT);
          }

          String literal() {
            return System.getenv("EXAMPLE_LITERAL");
          }

          String throughAParameter() {
            return read("EXAMPLE_THROUGH_A_PARAMETER");
          }

          static String read(String name) {
            return System.getenv(name);
          }

          String throughAField() {
            return System.getenv(field);
          }

          String secretIdOf(String name) {
            return System.getenv(name + "_SECRET_ID");
          }

          String computed(String suffix) {
            String name = "EXAMPLE_" + suffix.trim();
            return System.getenv(name);
          }
        }
        """);

    EnvironmentReads.Found found = EnvironmentReads.in(List.of(sources));

    assertEquals(Set.of("EXAMPLE_CONSTANT", "EXAMPLE_LITERAL", "EXAMPLE_THROUGH_A_PARAMETER",
        "EXAMPLE_THROUGH_A_FIELD", "<NAME>_SECRET_ID"), found.names());
    assertEquals(1, found.unresolved().size(), found.unresolved().toString());
    assertTrue(found.unresolved().get(0).startsWith("Example.java:42"), found.unresolved().toString());
  }
}
