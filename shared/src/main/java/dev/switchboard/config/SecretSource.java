package dev.switchboard.config;

/** Reads a secret's current string value by id or ARN (Secrets Manager in AWS). */
@FunctionalInterface
public interface SecretSource {
  String read(String secretId);
}
