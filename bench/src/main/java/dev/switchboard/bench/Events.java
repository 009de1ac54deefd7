package dev.switchboard.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.testing.stripe.StripeEvents;
import dev.switchboard.testing.stripe.StripeSignatures;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Iterator;
import java.util.UUID;

/**
 * The sample events of {@code events/}, adjusted for one benchmark invocation: another
 * organisation in the JWT claims, a fresh Idempotency-Key, the number to release, a webhook
 * body signed now, a CloudFormation response URL at the fake.
 */
final class Events {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ObjectNode event;

  private Events(ObjectNode event) {
    this.event = event;
  }

  static Events load(String file) {
    try {
      return new Events((ObjectNode) JSON.readTree(Path.of("events", file).toFile()));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read events/" + file + " (run from the repository root)", e);
    }
  }

  Events org(UUID org) {
    ((ObjectNode) event.path("requestContext").path("authorizer").path("jwt").path("claims"))
        .put("org_id", org.toString());
    return this;
  }

  Events header(String name, String value) {
    ObjectNode headers = (ObjectNode) event.path("headers");
    for (Iterator<String> names = headers.fieldNames(); names.hasNext(); ) {
      if (names.next().equalsIgnoreCase(name)) {
        names.remove();
      }
    }
    headers.put(name, value);
    return this;
  }

  /** DELETE /phone-numbers/{id} for this number. */
  Events numberId(UUID id) {
    String path = "/phone-numbers/" + id;
    event.put("rawPath", path);
    ((ObjectNode) event.path("requestContext").path("http")).put("path", path);
    ((ObjectNode) event.path("pathParameters")).put("id", id.toString());
    return this;
  }

  /** An authorizer event carrying this token (its identity source and its Authorization header). */
  Events bearer(String token) {
    event.putArray("identitySource").add("Bearer " + token);
    return header("authorization", "Bearer " + token);
  }

  Events body(String body) {
    event.put("body", body);
    event.put("isBase64Encoded", false);
    return this;
  }

  /** A CloudFormation custom resource's property ({@code ResourceProperties.<name>}). */
  Events resourceProperty(String name, String value) {
    ((ObjectNode) event.path("ResourceProperties")).put(name, value);
    return this;
  }

  Events field(String name, String value) {
    event.put(name, value);
    return this;
  }

  /** A checkout.session.completed top-up for {@code org}, signed with {@code secret} at {@code now}. */
  static Events signedTopUp(UUID org, long pence, String secret, Instant now) {
    String body = new StripeEvents(com.stripe.Stripe.API_VERSION, now)
        .checkoutSessionCompleted(StripeEvents.id("evt"), StripeEvents.topUp(org, pence));
    return load("stripe-webhook-checkout-session-completed.json").body(body)
        .header("stripe-signature", StripeSignatures.header(body, secret, now));
  }

  String json() {
    try {
      return JSON.writeValueAsString(event);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  Path writeTo(Path dir, String name) {
    try {
      return Files.writeString(dir.resolve(name), json());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
