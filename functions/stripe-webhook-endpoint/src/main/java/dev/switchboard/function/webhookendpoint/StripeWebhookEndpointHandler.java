package dev.switchboard.function.webhookendpoint;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.CloudFormationCustomResourceEvent;
import dev.switchboard.config.MissingConfigException;
import dev.switchboard.config.Settings;
import dev.switchboard.deploy.AnswerInTime;
import dev.switchboard.deploy.OwnStack;
import dev.switchboard.deploy.ResponseClient;
import dev.switchboard.deploy.Rollbacks;
import dev.switchboard.function.webhookendpoint.WebhookEndpointRegistration.Owner;
import dev.switchboard.function.webhookendpoint.WebhookEndpointRegistration.Registered;
import dev.switchboard.log.Log.SafeToLog;
import dev.switchboard.log.Log;
import dev.switchboard.providers.ProviderException;
import dev.switchboard.providers.stripe.StripeClients;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.lambda.powertools.cloudformation.AbstractCustomResourceHandler;
import software.amazon.lambda.powertools.cloudformation.Response;

/**
 * Custom::StripeWebhookEndpoint: registers the Stripe webhook endpoint at deploy time and
 * writes its signing secret into Secrets Manager (see {@link WebhookEndpointRegistration}).
 * The answer's Data holds EndpointId, Url and ApiVersion, never the secret.
 *
 * <p>Only its own stack's events are accepted ({@link OwnStack}): the StackId must be
 * {@code STACK_ID}, and a Create or Update must ask for what the template gives the function
 * ({@link Configured}); otherwise FAILED, and nothing is done. A ResponseURL that is not
 * CloudFormation's is never answered. A Delete checks the stack only: it carries whichever
 * properties the deleted resource had (a replaced one's, or a rolled-back one's).
 *
 * <p>No stack is wedged by Stripe: a rollback Update that has nothing to undo is answered from
 * the secret's record without calling Stripe, and a Delete that cannot reach Stripe (down, or
 * the key revoked) answers SUCCESS and logs what it left behind
 * ({@code stripe.webhook_endpoint.left_behind}; docs/deploy.md says how to clean it up).
 *
 * <p>Nothing is read or built in the constructor: a missing setting or an unreachable secret
 * store becomes a FAILED answer naming it, instead of an init error CloudFormation never hears of.
 */
public final class StripeWebhookEndpointHandler
    implements RequestHandler<CloudFormationCustomResourceEvent, Response> {
  private static final Log LOG = Log.of(StripeWebhookEndpointHandler.class);
  static final String CLEANUP = "delete it at Stripe (Dashboard, Developers, Webhooks) unless it is the stack's "
      + "StripeWebhookEndpointId output (docs/deploy.md, When a deployment fails)";

  private final Settings settings;
  private final Supplier<WebhookEndpointRegistration> registration;
  private final AnswerInTime answerInTime = new AnswerInTime();
  private final Resource resource = new Resource();

  /** The Lambda runtime's constructor. */
  public StripeWebhookEndpointHandler() {
    this(Settings.fromEnvironment());
  }

  /** STRIPE_API_KEY (and STRIPE_API_BASE_URL, timeouts) from the settings; Secrets Manager from the SDK chain. */
  public StripeWebhookEndpointHandler(Settings settings) {
    this.settings = settings;
    this.registration = once(() -> new WebhookEndpointRegistration(StripeClients.from(settings), SigningSecrets.create()));
  }

  @Override
  public Response handleRequest(CloudFormationCustomResourceEvent event, Context context) {
    String physicalId = "Create".equals(event.getRequestType())
        ? "not-created-" + event.getRequestId() : event.getPhysicalResourceId();
    return OwnStack.from(settings).unanswerable(event, context, physicalId)
        .orElseGet(() -> resource.handleRequest(event, context));
  }

  /** Powertools' handler: it answers the ResponseURL checked above. */
  private final class Resource extends AbstractCustomResourceHandler {
    Resource() {
      super(ResponseClient.create());
    }

    @Override
    protected Response create(CloudFormationCustomResourceEvent event, Context context) {
      // CloudFormation rolls a failed Create back with a Delete of this id: a non-Stripe id, so
      // that Delete touches nothing (the work already undid what it made)
      String notCreated = "not-created-" + event.getRequestId();
      return answerInTime.run(context, notCreated, givenUp -> {
        ownStack(event);
        EndpointProperties p = EndpointProperties.from(event.getResourceProperties());
        Configured.from(settings).mismatch(p).ifPresent(InvalidProperties::raise);
        return success(registration.get().create(p, owner(event), givenUp));
      }, StripeWebhookEndpointHandler::reason);
    }

    @Override
    protected Response update(CloudFormationCustomResourceEvent event, Context context) {
      String id = event.getPhysicalResourceId();
      return answerInTime.run(context, id, givenUp -> {
        ownStack(event);
        EndpointProperties p = EndpointProperties.from(event.getResourceProperties());
        EndpointProperties old = oldProperties(event);
        boolean rollback = Rollbacks.toOlderFunctionVersion(event.getResourceProperties(),
            event.getOldResourceProperties());
        Configured configured = Configured.from(settings);
        Optional<String> mismatch = configured.mismatch(p);
        if (mismatch.isPresent()) {
          // CloudFormation may roll this resource back before it rolls back the function, whose
          // configuration is then still the one the rollback leaves: allowed only when there is
          // nothing to undo (nothing is changed, so a forged event gains nothing)
          if (old != null && configured.mismatch(old).isEmpty()) {
            return success(registration.get().nothingToUndo(id, p, old, true).orElseThrow(() ->
                new InvalidProperties(mismatch.get() + " (a rollback to them would change the endpoint)")));
          }
          throw new InvalidProperties(mismatch.get());
        }
        return success(registration.get().update(id, p, old, owner(event), rollback, givenUp));
      }, StripeWebhookEndpointHandler::reason);
    }

    @Override
    protected Response delete(CloudFormationCustomResourceEvent event, Context context) {
      String id = event.getPhysicalResourceId();
      return answerInTime.run(context, id, givenUp -> {
        ownStack(event);
        if (WebhookEndpointRegistration.looksLikeEndpointId(id)) {
          try {
            registration.get().delete(id, owner(event), secretId(event));
          } catch (ProviderException | MissingConfigException e) {
            // a stack that cannot be deleted (or rolled back) because Stripe cannot be reached
            // helps nobody: CloudFormation forgets the endpoint, the log says it is left
            LOG.error("stripe.webhook_endpoint.left_behind", e, "endpointId", id, "cleanup", CLEANUP);
          }
        }
        return Response.success(id);
      }, StripeWebhookEndpointHandler::reason);
    }

    @Override
    protected void onSendFailure(CloudFormationCustomResourceEvent event, Context context,
                                 Response response, Exception exception) {
      // the URL is pre-signed: log that it failed, never the URL
      Log.inRequest(context == null ? null : context.getAwsRequestId(), () -> {
        LOG.error("custom_resource.answer_not_sent", exception, "cfnRequestId", event.getRequestId());
        return null;
      });
    }
  }

  private void ownStack(CloudFormationCustomResourceEvent event) {
    OwnStack.from(settings).stackRefusal(event.getStackId()).ifPresent(InvalidProperties::raise);
  }

  private static Owner owner(CloudFormationCustomResourceEvent event) {
    return new Owner(event.getStackId(), event.getLogicalResourceId());
  }

  private static String secretId(CloudFormationCustomResourceEvent event) {
    Object id = event.getResourceProperties() == null ? null : event.getResourceProperties().get("SecretId");
    return id == null || String.valueOf(id).isBlank() ? null : String.valueOf(id);
  }

  private static EndpointProperties oldProperties(CloudFormationCustomResourceEvent event) {
    try {
      return EndpointProperties.from(event.getOldResourceProperties());
    } catch (InvalidProperties e) {
      return null; // nothing usable before: treat as a new SecretId
    }
  }

  private static Response success(Registered endpoint) {
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("EndpointId", endpoint.id());
    data.put("Url", endpoint.url());
    data.put("ApiVersion", endpoint.apiVersion());
    return Response.builder()
        .status(Response.Status.SUCCESS)
        .physicalResourceId(endpoint.id())
        .value(data)
        .build();
  }

  /** What CloudFormation shows: our own messages; AWS errors by code and request id only. */
  static String reason(Throwable e) {
    if (e instanceof SafeToLog || e instanceof MissingConfigException) {
      return e.getMessage();
    }
    if (e instanceof AwsServiceException aws) {
      return "Secrets Manager refused to store the signing secret: "
          + (aws.awsErrorDetails() == null ? "HTTP " + aws.statusCode() : aws.awsErrorDetails().errorCode())
          + (aws.requestId() == null ? "" : " (request " + aws.requestId() + ")");
    }
    if (e instanceof SdkClientException) {
      return "could not reach Secrets Manager to store the signing secret";
    }
    if (e instanceof IllegalStateException) {
      return e.getMessage();
    }
    return e.getClass().getSimpleName() + " (see the function's log)";
  }

  private static <T> Supplier<T> once(Supplier<T> factory) {
    return new Supplier<>() {
      private T value;

      @Override
      public synchronized T get() {
        if (value == null) {
          value = factory.get();
        }
        return value;
      }
    };
  }
}
