package dev.switchboard.function.webhookendpoint;

import com.stripe.Stripe;
import com.stripe.StripeClient;
import com.stripe.exception.StripeException;
import com.stripe.model.StripeCollection;
import com.stripe.model.WebhookEndpoint;
import com.stripe.param.WebhookEndpointCreateParams;
import com.stripe.param.WebhookEndpointListParams;
import com.stripe.param.WebhookEndpointUpdateParams;
import dev.switchboard.log.Log;
import dev.switchboard.providers.ProviderException;
import dev.switchboard.providers.ProviderRejected;
import dev.switchboard.providers.stripe.StripeFailures;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

/**
 * Keeps Stripe's webhook endpoint in line with the stack (incident 11: registration at every
 * start, secrets in files, duplicates made by hand).
 *
 * <ul>
 *   <li>Create: one new endpoint with the SDK's API version and the stack's metadata, its
 *       signing secret stored, then every other endpoint for the same URL deleted (one made
 *       by hand cannot be adopted: Stripe shows a secret only on create). If any step fails,
 *       the new endpoint is deleted again and the old ones that were not reached are left as
 *       they were.</li>
 *   <li>Update: the same endpoint changed in place (its secret stays valid), duplicates for
 *       the URL removed. A new SecretId, an endpoint that no longer exists, or one registered
 *       with another API version (the SDK was upgraded) is replaced through Create: a new
 *       physical id, after which CloudFormation deletes the old one.</li>
 *   <li>Delete: the endpoint is removed; one that is already gone is success.</li>
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

    boolean owns(WebhookEndpoint endpoint) {
      Map<String, String> m = endpoint.getMetadata();
      return m != null && stackId.equals(m.get(STACK_ID)) && logicalResourceId.equals(m.get(LOGICAL_RESOURCE_ID));
    }
  }

  /** What the stack may see: never the secret. */
  record Registered(String id, String url, String apiVersion) {}

  Registered create(EndpointProperties p, Owner owner, BooleanSupplier givenUp) {
    List<WebhookEndpoint> before = listAll();
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
      secrets.store(p.secretId(), created.getSecret());
      LOG.info("stripe.webhook_endpoint.secret_stored", "endpointId", created.getId());
      stopIf(givenUp);
      removeOthersForUrl(before, p.url(), created.getId());
    } catch (RuntimeException e) {
      undoCreate(created.getId());
      throw e;
    }
    return new Registered(created.getId(), created.getUrl(), created.getApiVersion());
  }

  /** @return the endpoint now serving, with a new id when it had to be replaced */
  Registered update(String endpointId, EndpointProperties p, EndpointProperties old, Owner owner,
                    BooleanSupplier givenUp) {
    if (!p.sameSecretAs(old)) {
      LOG.info("stripe.webhook_endpoint.replacing", "endpointId", endpointId, "why", "secret_id_changed");
      return create(p, owner, givenUp);
    }
    WebhookEndpoint current = retrieve(endpointId);
    if (current == null) {
      LOG.warn("stripe.webhook_endpoint.replacing", "endpointId", endpointId, "why", "missing");
      return create(p, owner, givenUp);
    }
    if (!Stripe.API_VERSION.equals(current.getApiVersion())) {
      LOG.info("stripe.webhook_endpoint.replacing", "endpointId", endpointId, "why", "api_version",
          "from", current.getApiVersion(), "to", Stripe.API_VERSION);
      return create(p, owner, givenUp);
    }
    stopIf(givenUp);
    WebhookEndpointUpdateParams.Builder params = WebhookEndpointUpdateParams.builder()
        .setUrl(p.url())
        .addAllEnabledEvent(p.updateEvents())
        .putAllMetadata(owner.metadata())
        .setDisabled(false);
    if (p.description() != null) {
      params.setDescription(p.description());
    }
    WebhookEndpoint updated = call("update webhook endpoint",
        () -> stripe.v1().webhookEndpoints().update(endpointId, params.build()));
    LOG.info("stripe.webhook_endpoint.updated", "endpointId", endpointId);
    stopIf(givenUp);
    removeOthersForUrl(listAll(), p.url(), endpointId);
    return new Registered(updated.getId(), updated.getUrl(), updated.getApiVersion());
  }

  void delete(String endpointId) {
    deleteIfPresent(endpointId);
  }

  // ------------------------------------------------------------------ steps

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

  private void removeOthersForUrl(List<WebhookEndpoint> endpoints, String url, String keepId) {
    for (WebhookEndpoint e : endpoints) {
      if (url.equals(e.getUrl()) && !e.getId().equals(keepId)) {
        deleteIfPresent(e.getId());
        LOG.info("stripe.webhook_endpoint.replaced", "endpointId", e.getId(), "by", keepId);
      }
    }
  }

  private void removeStrays(String url, WebhookEndpointRegistration.Owner owner, Set<String> existingIds) {
    try {
      for (WebhookEndpoint e : listAll()) {
        if (url.equals(e.getUrl()) && owner.owns(e) && !existingIds.contains(e.getId())) {
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
