package dev.switchboard.local;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/** What every command shares: where the project is, the template, its inputs, the local data. */
record RunOptions(
    Path projectDirectory,
    Path template,
    Optional<Path> envVarsFile,
    Map<String, String> parameterOverrides,
    Path dataDirectory,
    boolean fresh,
    Map<String, String> processEnvironment) {

  static RunOptions defaults(Path projectDirectory, Map<String, String> processEnvironment) {
    return new RunOptions(projectDirectory, projectDirectory.resolve("template.yaml"), Optional.empty(),
        Map.of(), projectDirectory.resolve(".local"), false, processEnvironment);
  }

  /** The same, with {@code variables} added to the process environment (winning over it). */
  RunOptions withEnvironment(Map<String, String> variables) {
    Map<String, String> env = new java.util.LinkedHashMap<>(processEnvironment);
    env.putAll(variables);
    return new RunOptions(projectDirectory, template, envVarsFile, parameterOverrides, dataDirectory, fresh,
        Map.copyOf(env));
  }

  RunOptions withDataDirectory(Path directory, boolean freshData) {
    return new RunOptions(projectDirectory, template, envVarsFile, parameterOverrides, directory, freshData,
        processEnvironment);
  }
}
