package dev.switchboard.local;

import java.util.List;

/** The provider sandboxes the runner can start: one per provider the functions call. */
final class Sandboxes {
  private Sandboxes() {}

  /** Fresh, unstarted sandboxes (each run starts the ones it needs). */
  static List<ProviderSandbox> all() {
    return List.of(new TwilioSandbox(), new VapiSandbox(), new StripeSandbox(), new SecretsManagerSandbox());
  }
}
