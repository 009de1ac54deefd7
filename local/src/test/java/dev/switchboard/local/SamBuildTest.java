package dev.switchboard.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The path {@code sam build} takes, run as SAM's makefile builder runs it: {@code make
 * build-<LogicalId>} in the repository (samconfig.toml builds in source) with
 * {@code ARTIFACTS_DIR} set, and the directory SAM would zip checked.
 *
 * <p>What it proves, and what it leaves to the reactor: the dry runs show exactly the commands
 * the targets run (one Maven run for every function module, whatever the number of targets;
 * none once that build is up to date). The real runs unpack the function.jar this
 * {@code ./mvnw verify} already built, so they pass {@code -o} for the stamp (make's "treat as
 * up to date"): Maven's part of the path is the reactor's own package phase, not repeated here.
 */
class SamBuildTest {
  private static final Path PROJECT = LocalTestSupport.PROJECT;
  /** As the Makefile names it (absolute): make's -o matches names, so a relative one marks nothing. */
  private static final String STAMP = PROJECT.resolve("target/sam-build.stamp").toString();

  @TempDir
  Path dir;

  private record Make(int exitCode, String output) {}

  private static Make make(Map<String, String> env, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("make", "--no-print-directory"));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).directory(PROJECT.toFile()).redirectErrorStream(true);
    builder.environment().remove("ARTIFACTS_DIR");
    builder.environment().putAll(env);
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new AssertionError("make is not installed: sam build's makefile builder needs it", e);
    }
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(process.waitFor(60, TimeUnit.SECONDS), "make did not finish");
    return new Make(process.exitValue(), output);
  }

  private static List<String> mavenRuns(String output) {
    return output.lines().filter(l -> l.contains("/mvnw ")).toList();
  }

  @Test
  void samBuild_runsMavenOnceForEveryFunction_whateverTheNumberOfTargets() throws Exception {
    // -W: as if a shared source had just changed (make names sources by absolute path);
    // -n: print the commands, run nothing
    Make make = make(Map.of("ARTIFACTS_DIR", dir.toString()), "-n", "-W", PROJECT.resolve("shared/pom.xml").toString(),
        "build-ProvisionNumberFunction", "build-ListNumbersFunction", "build-StripeWebhookFunction");

    assertEquals(0, make.exitCode(), make.output());
    List<String> maven = mavenRuns(make.output());
    assertEquals(1, maven.size(), make.output());
    for (FunctionSpec function : TemplateModel.load(PROJECT.resolve("template.yaml")).functions().values()) {
      String module = codeUri(function.logicalId());
      assertTrue(maven.get(0).contains(module), "the Maven run builds " + module + ": " + maven.get(0));
    }
    assertTrue(maven.get(0).contains(" -am package") && maven.get(0).contains("-Dmaven.test.skip=true"), maven.get(0));
    assertEquals(3, make.output().lines().filter(l -> l.contains("jar xf")).count(), make.output());
  }

  @Test
  void samBuild_runsNoMaven_whenItsBuildIsNewerThanEverySource() throws Exception {
    Make make = make(Map.of("ARTIFACTS_DIR", dir.toString()), "-n", "-o", STAMP, "build-WalletFunction");

    assertEquals(0, make.exitCode(), make.output());
    assertEquals(List.of(), mavenRuns(make.output()));
  }

  @Test
  void oneFunctionsTarget_unpacksItsHandler_withItsOwnSdksOnly_andNoTests() throws Exception {
    Path list = dir.resolve("ListNumbersFunction");
    Path webhook = dir.resolve("StripeWebhookFunction");
    Path provision = dir.resolve("ProvisionNumberFunction");

    for (Map.Entry<String, Path> target : Map.of("build-ListNumbersFunction", list,
        "build-StripeWebhookFunction", webhook, "build-ProvisionNumberFunction", provision).entrySet()) {
      Make make = make(Map.of("ARTIFACTS_DIR", target.getValue().toString()), "-o", STAMP, target.getKey());
      assertEquals(0, make.exitCode(), make.output());
    }

    assertHandler(list, "dev/switchboard/function/listnumbers/ListNumbersHandler.class");
    assertHandler(webhook, "dev/switchboard/function/webhook/StripeWebhookHandler.class");
    assertHandler(provision, "dev/switchboard/function/provision/ProvisionNumberHandler.class");
    assertSdks(list, false, false);
    assertSdks(webhook, false, true);
    assertSdks(provision, true, false);
    for (Path artifact : List.of(list, webhook, provision)) {
      assertTrue(Files.isRegularFile(artifact.resolve("dev/switchboard/log/Log.class")), "shared is inside");
      assertTrue(Files.isDirectory(artifact.resolve("org/postgresql")), "the JDBC driver is inside");
      assertEquals(List.of(), ourTestClasses(artifact), artifact + " carries test classes");
      assertFalse(Files.exists(artifact.resolve("dev/switchboard/testing")), "the test kit is not deployed");
      assertFalse(Files.exists(artifact.resolve("org/junit")), "JUnit is not deployed");
      assertFalse(Files.exists(artifact.resolve("io/zonky")), "embedded PostgreSQL is not deployed");
    }
  }

  @Test
  void aTarget_outsideSamBuild_refusesToRun_beforeBuildingAnything() throws Exception {
    Make make = make(Map.of(), "-o", STAMP, "build-ListNumbersFunction");

    assertTrue(make.exitCode() != 0);
    assertTrue(make.output().contains("ARTIFACTS_DIR is not set"), make.output());
  }

  @Test
  void samconfig_buildsInSource_soSamCopiesNothing_andNeverInParallel() throws IOException {
    List<String> lines = Files.readAllLines(PROJECT.resolve("samconfig.toml"));
    int section = lines.indexOf("[default.build.parameters]");
    assertTrue(section >= 0, "samconfig.toml has no [default.build.parameters]");
    List<String> build = lines.subList(section + 1, lines.size()).stream()
        .takeWhile(l -> !l.startsWith("[")).map(String::trim).toList();
    assertTrue(build.contains("build_in_source = true"), build.toString());
    assertTrue(build.contains("parallel = false"), build.toString());
    String gitignore = Files.readString(PROJECT.resolve(".gitignore"));
    assertFalse(gitignore.lines().anyMatch(l -> l.trim().equals("samconfig.toml")), "samconfig.toml is checked in");
  }

  private static void assertHandler(Path artifact, String handlerClass) {
    assertTrue(Files.isRegularFile(artifact.resolve(handlerClass)), artifact + " has no " + handlerClass);
  }

  private static void assertSdks(Path artifact, boolean twilio, boolean stripe) {
    assertEquals(twilio, Files.isDirectory(artifact.resolve("com/twilio")), artifact + ": Twilio SDK");
    assertEquals(stripe, Files.isDirectory(artifact.resolve("com/stripe")), artifact + ": Stripe SDK");
  }

  private static List<Path> ourTestClasses(Path artifact) throws IOException {
    Path ours = artifact.resolve("dev/switchboard");
    try (Stream<Path> files = Files.walk(ours)) {
      return files.filter(p -> p.getFileName().toString().matches(".*(Test|Tests|Fixture)(\\$.*)?\\.class")).toList();
    }
  }

  private static String codeUri(String logicalId) throws IOException {
    String template = Files.readString(PROJECT.resolve("template.yaml"));
    int at = template.indexOf("\n  " + logicalId + ":\n");
    int codeUri = template.indexOf("CodeUri: ", at);
    return template.substring(codeUri + "CodeUri: ".length(), template.indexOf('\n', codeUri)).trim();
  }
}
