package dev.switchboard.reliability;

import com.amazonaws.services.lambda.runtime.events.CloudFormationCustomResourceEvent;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import dev.switchboard.config.Settings;
import dev.switchboard.function.webhookendpoint.StripeWebhookEndpointHandler;
import dev.switchboard.testing.CustomResourceSettings;
import dev.switchboard.testing.LambdaContext;
import dev.switchboard.testing.fake.FakeCloudFormation;
import dev.switchboard.testing.fake.FakeSecretsManager;
import dev.switchboard.testing.fake.FakeStripe;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The deploy-time custom resources as CloudFormation drives them: FakeSecretsManager behind the
 * AWS SDK (pointed at by the SDK's own system properties, restored on close), FakeCloudFormation
 * at the ResponseURL, and the Stripe webhook endpoint registered at the rig's FakeStripe.
 */
final class CustomResources implements AutoCloseable {
  static final String AWS_SECRET_ACCESS_KEY = "fake-aws-secret-access-key-for-reliability";
  static final String WEBHOOK_URL = "https://k3x9q2w7zd.execute-api.eu-west-2.amazonaws.com/webhooks/stripe";

  final FakeSecretsManager secretsManager = new FakeSecretsManager();
  final FakeCloudFormation cloudFormation = new FakeCloudFormation();
  final String secretArn = secretsManager.create("StripeWebhookSigningSecret-Reliability1");
  private final FakeStripe stripe;
  private final Map<String, String> previous = new HashMap<>();

  CustomResources(FakeStripe stripe) {
    this.stripe = stripe;
    set("aws.region", "eu-west-2");
    set("aws.accessKeyId", "fake-access-key-for-reliability");
    set("aws.secretAccessKey", AWS_SECRET_ACCESS_KEY);
    set("aws.endpointUrlSecretsManager", secretsManager.baseUrl());
  }

  private void set(String name, String value) {
    previous.put(name, System.getProperty(name));
    System.setProperty(name, value);
  }

  /** The registrar as the template configures it for the stack and properties of {@code event}. */
  StripeWebhookEndpointHandler endpointHandler(CloudFormationCustomResourceEvent event) {
    Map<String, String> env = new HashMap<>(Map.of(
        "STRIPE_API_KEY", FakeStripe.DEFAULT_API_KEY,
        "STRIPE_API_BASE_URL", stripe.baseUrl(),
        "PROVIDER_READ_TIMEOUT_MS", "1000"));
    env.putAll(CustomResourceSettings.configuredFor(event.getStackId(), event.getResourceProperties()));
    return new StripeWebhookEndpointHandler(Settings.of(env));
  }

  /** An events/ file pointed at the fakes, with {@code physicalId} where the event names one. */
  CloudFormationCustomResourceEvent event(String file, String physicalId) {
    CloudFormationCustomResourceEvent e = EventLoader.loadCloudFormationCustomResourceEvent(file);
    e.setResponseUrl(cloudFormation.responseUrl());
    e.setResourceProperties(withSecret(e.getResourceProperties()));
    if (e.getOldResourceProperties() != null) {
      e.setOldResourceProperties(withSecret(e.getOldResourceProperties()));
    }
    if (physicalId != null) {
      e.setPhysicalResourceId(physicalId);
    }
    return e;
  }

  private Map<String, Object> withSecret(Map<String, Object> properties) {
    Map<String, Object> copy = new LinkedHashMap<>(properties);
    if (copy.containsKey("SecretId") || copy.containsKey("Url")) {
      copy.put("SecretId", secretArn);
    }
    return copy;
  }

  /** Runs one invocation; CloudFormation's one answer to it (null when the function died first). */
  Map<String, Object> run(StripeWebhookEndpointHandler handler, CloudFormationCustomResourceEvent event) {
    cloudFormation.clearJournal();
    handler.handleRequest(event, new LambdaContext("CustomResourceFunction", java.time.Duration.ofMinutes(5)));
    return cloudFormation.answers().isEmpty() ? null : cloudFormation.onlyAnswer();
  }

  @Override
  public void close() {
    previous.forEach((name, value) -> {
      if (value == null) {
        System.clearProperty(name);
      } else {
        System.setProperty(name, value);
      }
    });
    secretsManager.close();
    cloudFormation.close();
  }
}
