package dev.switchboard.function.webhookendpoint;

import com.stripe.Stripe;
import com.stripe.StripeClient;
import com.stripe.exception.StripeException;
import com.stripe.model.StripeCollection;
import com.stripe.model.WebhookEndpoint;
import com.stripe.param.WebhookEndpointCreateParams;
import com.stripe.param.WebhookEndpointListParams;
import com.stripe.param.WebhookEndpointUpdateParams;
import dev.switchboard.function.webhookendpoint.SigningSecrets.Stored;
import dev.switchboard.log.Log;
import dev.switchboard.providers.ProviderException;
import dev.switchboard.providers.ProviderRejected;
import dev.switchboard.providers.stripe.StripeFailures;
import dev.switchboard.stripe.WebhookSecrets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

/**
 * Keeps Stripe's webhook endpoint in line with the stack (the system it replaces registered at
 * every start, kept the secret in a file, and let hand-made duplicates pile up). Several stacks may share one Stripe
 * account, so an endpoint is touched only when this stack owns it (its {@code stack_id}
 * metadata) or nobody does (made by hand); another stack's endpoint for the same URL stops
 * the operation with a reason that says so, before anything is changed.
 *
 * <ul>
 *   <li>Create: one new endpoint with the SDK's API version and the stack's metadata; then
 *       this stack's strays and hand-made endpoints for the URL are removed; only then, with
 *       the endpoint set final, is its key written into the secret (the key it replaces stays
 *       accepted for a grace period). If any step fails, the new endpoint is deleted again and
 *       the secret was not touched.</li>
 *   <li>Update: the same endpoint changed in place (its secret stays valid). A new SecretId, an
 *       endpoint that no longer exists, or one registered with another API version (the SDK
 *       was upgraded) is replaced through Create: a new physical id. The replaced endpoint is
 *       left to CloudFormation: it deletes the old id once the update succeeds, or the new one
 *       if the update rolls back. Until then both deliver (the webhook records each event
 *       once) and both keys verify.</li>
 *   <li>Delete: the endpoint is retrieved and removed if this stack owns it (or nobody does);
 *       one that is gone is success. When it was the secret's current endpoint and the one
 *       it replaced still exists (a replacement rolled back), that one's key is made current again.</li>
 * </ul>
 */
final class WebhookEndpointRegistration {
  static final String STACK_ID = "stack_id";
  static final String LOGICAL_RESOURCE_ID = "logical_resource_id";
  private static final Log LOG = Log.of(WebhookEndpointRegistration.class);
  private static final long PAGE_SIZE = 100;

  private final StripeClient stripe;
  private final SigningSecrets secrets;

  WebhookEndpointRegistration(StripeClient stripe, SigningSecrets secrets) {
    this.stripe = stripe;
    this.secrets = secrets;
  }

  /** Who owns the endpoint: written into its metadata. */
  record Owner(String stackId, String logicalResourceId) {
    Map<String, String> metadata() {
      return Map.of(STACK_ID, stackId, LOGICAL_RESOURCE_ID, logicalResourceId);
    }

    /** This stack's, or made by hand (no owner): ours to replace or delete. */
    boolean mayTouch(WebhookEndpoint endpoint) {
      return otherStack(endpoint) == null;
    }

    /** The stack id of another stack that owns the endpoint, else null. */
    String otherStack(WebhookEndpoint endpoint) {
      Map<String, String> m = endpoint.getMetadata();
      String owner = m == null ? null : m.get(STACK_ID);
      return owner == null || owner.isBlank() || owner.equals(stackId) ? null : owner;
    }
  }

  /** What the stack may see: never the secret. */
  record Registered(String id, String url, String apiVersion) {}

  Registered create(EndpointProperties p, Owner owner, BooleanSupplier givenUp) {
    return create(p, owner, null, givenUp);
  }

  /** @param replacing the physical id this one replaces: left for CloudFormation to delete */
  private Registered create(EndpointProperties p, Owner owner, String replacing, BooleanSupplier givenUp) {
    List<WebhookEndpoint> before = listAll();
    refuseIfAnotherStackOwns(before, p.url(), owner);
    Set<String> existingIds = before.stream().map(WebhookEndpoint::getId).collect(Collectors.toSet());
    stopIf(givenUp);

    WebhookEndpoint created;
    try {
      created = call("create webhook endpoint", () -> stripe.v1().webhookEndpoints().create(
          WebhookEndpointCreateParams.builder()
              .setUrl(p.url())
              .addAllEnabledEvent(p.createEvents())
              .setDescription(p.description())
              .putAllMetadata(owner.metadata())
              // the version StripeWebhookFunction's SDK deserialises: events arrive in it
              .putExtraParam("api_version", Stripe.API_VERSION)
              .build()));
    } catch (ProviderException e) {
      // a create that timed out may still have happened: remove what appeared for us meanwhile
      removeStrays(p.url(), owner, existingIds);
      throw e;
    }
    LOG.info("stripe.webhook_endpoint.created", "endpointId", created.getId(), "apiVersion", created.getApiVersion());

    try {
      if (created.getSecret() == null || created.getSecret().isBlank()) {
        throw new IllegalStateException("Stripe returned no signing secret for the new endpoint");
      }
      stopIf(givenUp);
      Set<String> removed = removeOthersForUrl(before, p.url(), owner, created.getId(), replacing);
      stopIf(givenUp);
      // the endpoint set is final: only now does the new key become current
      Set<String> remaining = new java.util.HashSet<>(existingIds);
      remaining.removeAll(removed);
      Optional<Kept> kept = secrets.read(p.secretId()).flatMap(old -> keptKey(old.keys(), replacing, remaining));
      WebhookSecrets next = kept
          .map(k -> WebhookSecrets.replacing(created.getId(), created.getSecret(), k.endpointId(), k.key()))
          .orElseGet(() -> WebhookSecrets.of(created.getId(), created.getSecret()));
      secrets.store(p.secretId(), new Stored(next,
          Optional.of(Registration.of(created.getId(), p, created.getApiVersion()))));
      LOG.info("stripe.webhook_endpoint.secret_stored", "endpointId", created.getId(),
          "previousEndpointId", kept.map(Kept::endpointId).orElse(null));
      // from here the new endpoint delivers and its key verifies: the one it replaced stops
      Set<String> replaced = new java.util.LinkedHashSet<>();
      kept.ifPresent(k -> replaced.add(k.endpointId()));
      if (replacing != null && remaining.contains(replacing)) {
        replaced.add(replacing);
      }
      replaced.forEach(this::disable);
    } catch (RuntimeException e) {
      undoCreate(created.getId());
      throw e;
    }
    return new Registered(created.getId(), created.getUrl(), created.getApiVersion());
  }

  /** The key of the endpoint being replaced, and whose it is: kept beside the new one while that endpoint exists. */
  private record Kept(String endpointId, String key) {}

  /**
   * Which key the new one keeps beside it: that of the endpoint the secret names that still
   * exists (the replaced one, normally the secret's current). A plain key written by hand names
   * no endpoint: it is taken to be the replaced endpoint's.
   */
  private static Optional<Kept> keptKey(WebhookSecrets old, String replacing, Set<String> remaining) {
    if (old.endpointId().isEmpty()) {
      return replacing != null && remaining.contains(replacing)
          ? Optional.of(new Kept(replacing, old.current())) : Optional.empty();
    }
    if (remaining.contains(old.endpointId().get())) {
      return Optional.of(new Kept(old.endpointId().get(), old.current()));
    }
    if (old.previous().isPresent() && old.previousEndpointId().filter(remaining::contains).isPresent()) {
      return Optional.of(new Kept(old.previousEndpointId().get(), old.previous().get()));
    }
    return Optional.empty();
  }

  /**
   * What a rollback Update finds when the secret's record shows the endpoint already registered
   * with its properties: nothing to undo, so nothing is called.
   *
   * @param rollback the Update goes back (to an older function version), so the record showing
   *                 its properties is enough; otherwise it must also show that the properties it
   *                 leaves were never applied (the forward update failed before changing anything)
   */
  Optional<Registered> nothingToUndo(String endpointId, EndpointProperties p, EndpointProperties old,
                                     boolean rollback) {
    Optional<Registration> registered = secrets.read(p.secretId()).flatMap(Stored::registration)
        .filter(r -> r.shows(endpointId, p))
        .filter(r -> rollback || !r.shows(endpointId, old));
    registered.ifPresent(r -> LOG.info("stripe.webhook_endpoint.nothing_to_undo", "endpointId", endpointId));
    return registered.map(r -> new Registered(r.endpointId(), r.url(), r.apiVersion()));
  }

  /** @return the endpoint now serving, with a new id when it had to be replaced */
  Registered update(String endpointId, EndpointProperties p, EndpointProperties old, Owner owner,
                    boolean rollback, BooleanSupplier givenUp) {
    if (p.sameSecretAs(old)) {
      Optional<Registered> unchanged = nothingToUndo(endpointId, p, old, rollback);
      if (unchanged.isPresent()) {
        return unchanged.get();
      }
    }
    if (!p.sameSecretAs(old)) {
      LOG.info("stripe.webhook_endpoint.replacing", "endpointId", endpointId, "why", "secret_id_changed");
      return create(p, owner, endpointId, givenUp);
    }
    WebhookEndpoint current = retrieve(endpointId);
    if (current == null) {
      LOG.warn("stripe.webhook_endpoint.replacing", "endpointId", endpointId, "why", "missing");
      return create(p, owner, endpointId, givenUp);
    }
    if (!owner.mayTouch(current)) {
      throw new EndpointOwnedElsewhere(current.getUrl(), endpointId, owner.otherStack(current));
    }
    if (!Stripe.API_VERSION.equals(current.getApiVersion())) {
      LOG.info("stripe.webhook_endpoint.replacing", "endpointId", endpointId, "why", "api_version",
          "from", current.getApiVersion(), "to", Stripe.API_VERSION);
      return create(p, owner, endpointId, givenUp);
    }
    List<WebhookEndpoint> all = listAll();
    refuseIfAnotherStackOwns(all, p.url(), owner);
    stopIf(givenUp);
    WebhookEndpointUpdateParams.Builder params = WebhookEndpointUpdateParams.builder()
        .setUrl(p.url())
        .addAllEnabledEvent(p.updateEvents())
        .putAllMetadata(owner.metadata())
        .setDisabled(false);
    if (p.description() != null) {
      params.setDescription(p.description());
    }
    // until the endpoint is known to have the new properties, the record shows nothing: a
    // rollback after a failure from here on asks Stripe
    Optional<Stored> read = secrets.read(p.secretId());
    Optional<Stored> stored = read.map(s -> withOwnKeyCurrent(s, endpointId));
    if (stored.isPresent() && (stored.get().registration().isPresent() || !stored.equals(read))) {
      secrets.store(p.secretId(), new Stored(stored.get().keys(), Optional.empty()));
    }
    WebhookEndpoint updated = call("update webhook endpoint",
        () -> stripe.v1().webhookEndpoints().update(endpointId, params.build()));
    LOG.info("stripe.webhook_endpoint.updated", "endpointId", endpointId);
    stored.ifPresent(s -> secrets.store(p.secretId(), new Stored(s.keys(),
        Optional.of(Registration.of(endpointId, p, updated.getApiVersion())))));
    stopIf(givenUp);
    Set<String> removed = removeOthersForUrl(all, p.url(), owner, endpointId, null);
    Optional<String> previousId = stored.flatMap(s -> s.keys().previousEndpointId()).filter(removed::contains);
    if (previousId.isPresent()) {
      secrets.read(p.secretId()).ifPresent(s -> forgetPreviousIf(s, previousId.get(), p.secretId(), "deleted"));
    }
    return new Registered(updated.getId(), updated.getUrl(), updated.getApiVersion());
  }

  /**
   * The endpoint kept in place is the one CloudFormation knows: if the secret names it as the
   * previous one (its replacement's rollback could not reach Stripe), its key is made current.
   */
  private static Stored withOwnKeyCurrent(Stored stored, String endpointId) {
    WebhookSecrets keys = stored.keys();
    if (keys.endpointId().isPresent() && !keys.endpointId().get().equals(endpointId)
        && keys.previousEndpointId().equals(Optional.of(endpointId))) {
      LOG.info("stripe.webhook_endpoint.previous_secret_restored", "endpointId", endpointId);
      return stored.withKeys(keys.withPreviousRestored().orElseThrow());
    }
    return stored;
  }

  /**
   * @param secretId the resource's SecretId, when its properties give one
   * @throws ProviderException when Stripe cannot be reached or refuses (a revoked key): what
   *     is left behind is then the caller's to report
   */
  void delete(String endpointId, Owner owner, String secretId) {
    Optional<Stored> stored = secretId == null ? Optional.empty() : secrets.read(secretId);
    try {
      WebhookEndpoint endpoint = retrieve(endpointId);
      if (endpoint == null) {
        stored.ifPresent(s -> forgetPreviousIf(s, endpointId, secretId, "missing"));
        return;
      }
      if (!owner.mayTouch(endpoint)) {
        // not ours (the id was adopted by hand?): deleting it would cut another stack off
        LOG.warn("stripe.webhook_endpoint.left_alone", "endpointId", endpointId, "owner", owner.otherStack(endpoint));
        return;
      }
      if (stored.isPresent() && stored.get().keys().endpointId().equals(Optional.of(endpointId))) {
        stored = restorePreviousIfRolledBack(stored.get(), secretId);
      }
      deleteIfPresent(endpointId);
      stored.ifPresent(s -> forgetPreviousIf(s, endpointId, secretId, "deleted"));
    } catch (ProviderException e) {
      // CloudFormation forgets the endpoint either way: a replaced endpoint's key goes with it
      // (the endpoint was disabled when it was replaced)
      stored.ifPresent(s -> forgetPreviousIf(s, endpointId, secretId, "stripe_unreachable"));
      throw e;
    }
  }

  /**
   * The endpoint being deleted is the secret's current one: when the one it replaced still
   * exists (the replacement rolled back), that one delivers again and its key is current.
   *
   * @return the secret as stored now
   */
  private Optional<Stored> restorePreviousIfRolledBack(Stored stored, String secretId) {
    Optional<String> previousId = stored.keys().previousEndpointId();
    Optional<WebhookSecrets> restored = stored.keys().withPreviousRestored();
    if (previousId.isEmpty() || restored.isEmpty() || retrieve(previousId.get()) == null) {
      return Optional.of(stored);
    }
    enable(previousId.get());
    // what the restored endpoint was registered with is not recorded: the next Update asks Stripe
    Stored now = new Stored(restored.get(), Optional.empty());
    secrets.store(secretId, now);
    LOG.info("stripe.webhook_endpoint.previous_secret_restored", "endpointId", previousId.get());
    return Optional.of(now);
  }

  /** The secret's previous endpoint is gone: its key verifies nothing any more. */
  private void forgetPreviousIf(Stored stored, String endpointId, String secretId, String why) {
    WebhookSecrets keys = stored.keys();
    if (keys.previous().isPresent() && keys.previousEndpointId().equals(Optional.of(endpointId))) {
      secrets.store(secretId, stored.withKeys(keys.withoutPrevious()));
      LOG.info("stripe.webhook_endpoint.previous_secret_cleared", "endpointId", endpointId, "why", why);
    }
  }

  // ------------------------------------------------------------------ steps

  private static void refuseIfAnotherStackOwns(List<WebhookEndpoint> endpoints, String url, Owner owner) {
    for (WebhookEndpoint e : endpoints) {
      if (url.equals(e.getUrl()) && owner.otherStack(e) != null) {
        throw new EndpointOwnedElsewhere(url, e.getId(), owner.otherStack(e));
      }
    }
  }

  /** Every endpoint of the account: the list API pages (10 by default, 100 at most). */
  private List<WebhookEndpoint> listAll() {
    List<WebhookEndpoint> all = new ArrayList<>();
    String after = null;
    while (true) {
      WebhookEndpointListParams.Builder params = WebhookEndpointListParams.builder().setLimit(PAGE_SIZE);
      if (after != null) {
        params.setStartingAfter(after);
      }
      StripeCollection<WebhookEndpoint> page = call("list webhook endpoints",
          () -> stripe.v1().webhookEndpoints().list(params.build()));
      all.addAll(page.getData());
      if (!Boolean.TRUE.equals(page.getHasMore()) || page.getData().isEmpty()) {
        return all;
      }
      after = page.getData().get(page.getData().size() - 1).getId();
    }
  }

  private WebhookEndpoint retrieve(String endpointId) {
    if (!looksLikeEndpointId(endpointId)) {
      return null;
    }
    try {
      return call("retrieve webhook endpoint", () -> stripe.v1().webhookEndpoints().retrieve(endpointId));
    } catch (ProviderRejected e) {
      if (e.isNotFound()) {
        return null;
      }
      throw e;
    }
  }

  /** Duplicates for the URL that are ours or nobody's; {@code replaced} is CloudFormation's to delete. */
  private Set<String> removeOthersForUrl(List<WebhookEndpoint> endpoints, String url, Owner owner, String keepId,
                                         String replaced) {
    Set<String> removed = new java.util.HashSet<>();
    for (WebhookEndpoint e : endpoints) {
      if (url.equals(e.getUrl()) && !e.getId().equals(keepId) && !e.getId().equals(replaced) && owner.mayTouch(e)) {
        deleteIfPresent(e.getId());
        removed.add(e.getId());
        LOG.info("stripe.webhook_endpoint.replaced", "endpointId", e.getId(), "by", keepId);
      }
    }
    return removed;
  }

  /**
   * The replaced endpoint delivers nothing more once the new key is stored. Best effort: if
   * Stripe refuses now, the webhook still verifies its deliveries (its key is kept) until
   * CloudFormation's cleanup deletes it.
   */
  private void disable(String endpointId) {
    try {
      call("disable webhook endpoint", () -> stripe.v1().webhookEndpoints().update(endpointId,
          WebhookEndpointUpdateParams.builder().setDisabled(true).build()));
      LOG.info("stripe.webhook_endpoint.disabled", "endpointId", endpointId);
    } catch (RuntimeException e) {
      LOG.error("stripe.webhook_endpoint.disable_failed", e, "endpointId", endpointId);
    }
  }

  private void enable(String endpointId) {
    call("enable webhook endpoint", () -> stripe.v1().webhookEndpoints().update(endpointId,
        WebhookEndpointUpdateParams.builder().setDisabled(false).build()));
    LOG.info("stripe.webhook_endpoint.enabled", "endpointId", endpointId);
  }

  private void removeStrays(String url, WebhookEndpointRegistration.Owner owner, Set<String> existingIds) {
    try {
      for (WebhookEndpoint e : listAll()) {
        if (url.equals(e.getUrl()) && owner.stackId().equals(stackOf(e)) && !existingIds.contains(e.getId())) {
          deleteIfPresent(e.getId());
          LOG.info("stripe.webhook_endpoint.stray_removed", "endpointId", e.getId());
        }
      }
    } catch (RuntimeException e) {
      // the next Create replaces it: it carries this URL
      LOG.error("stripe.webhook_endpoint.stray_check_failed", e);
    }
  }

  private void undoCreate(String endpointId) {
    try {
      deleteIfPresent(endpointId);
      LOG.info("stripe.webhook_endpoint.create_undone", "endpointId", endpointId);
    } catch (RuntimeException e) {
      // the next Create for this URL replaces it
      LOG.error("stripe.webhook_endpoint.undo_failed", e, "endpointId", endpointId);
    }
  }

  private void deleteIfPresent(String endpointId) {
    if (!looksLikeEndpointId(endpointId)) {
      return;
    }
    try {
      call("delete webhook endpoint", () -> stripe.v1().webhookEndpoints().delete(endpointId));
      LOG.info("stripe.webhook_endpoint.deleted", "endpointId", endpointId);
    } catch (ProviderRejected e) {
      if (!e.isNotFound()) {
        throw e;
      }
    }
  }

  private static String stackOf(WebhookEndpoint e) {
    return e.getMetadata() == null ? null : e.getMetadata().get(STACK_ID);
  }

  /** Physical ids this resource hands out are Stripe ids; a failed Create hands out another kind. */
  static boolean looksLikeEndpointId(String id) {
    return id != null && id.startsWith("we_");
  }

  private static void stopIf(BooleanSupplier givenUp) {
    if (givenUp.getAsBoolean()) {
      throw new IllegalStateException("CloudFormation was already answered: stopping");
    }
  }

  private interface StripeCall<T> {
    T run() throws StripeException;
  }

  private static <T> T call(String operation, StripeCall<T> call) {
    try {
      return call.run();
    } catch (StripeException e) {
      throw StripeFailures.map(e, operation);
    }
  }
}
