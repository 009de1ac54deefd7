package dev.switchboard.function.webhookendpoint;

import dev.switchboard.log.Log.SafeToLog;

/**
 * Another stack's endpoint is registered for this URL (blue/green stacks, two developers on
 * one tunnel domain, one Stripe account): it is not ours to replace or delete, so nothing is done.
 */
final class EndpointOwnedElsewhere extends RuntimeException implements SafeToLog {
  EndpointOwnedElsewhere(String url, String endpointId, String otherStack) {
    super("another stack owns the Stripe webhook endpoint " + endpointId + " for " + url + " (stack_id "
        + otherStack + "); it was left alone. Give this stack its own URL (TunnelUrl, CustomDomainUrl) "
        + "or delete that stack first");
  }
}
