package dev.switchboard.deploy;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.events.CloudFormationCustomResourceEvent;
import dev.switchboard.config.Settings;
import dev.switchboard.log.Log;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.lambda.powertools.cloudformation.Response;

/**
 * Which custom resource events a deploy-time function accepts: only its own stack's. Anyone in
 * the account allowed to invoke the function could otherwise hand it an event of their making.
 *
 * <ul>
 *   <li>The {@code StackId} must be {@value #STACK_ID}, the stack id the template gives the
 *       function. Unset, no event is accepted.</li>
 *   <li>The {@code ResponseURL} must be CloudFormation's pre-signed URL in the stack's region:
 *       https to its bucket {@code cloudformation-custom-resource-response-<region without dashes>}
 *       (AWS CloudFormation User Guide, "Access CloudFormation using an interface endpoint":
 *       "When using custom resources, AWS Region names don't contain dashes. For example,
 *       uswest2"), as {@code <bucket>.s3.amazonaws.com}, {@code <bucket>.s3.<region>.amazonaws.com}
 *       or {@code <bucket>.s3-<region>.amazonaws.com}, the forms CloudFormation has sent. Any other
 *       URL is never answered: the function would PUT wherever the event says.</li>
 *   <li>A loopback {@code http://} URL (a local receiver) only when {@value #LOOPBACK_RESPONSE}
 *       is {@code allow}: the local runner and the tests set it; the template never does.</li>
 * </ul>
 */
public final class OwnStack {
  public static final String STACK_ID = "STACK_ID";
  public static final String LOOPBACK_RESPONSE = "CUSTOM_RESOURCE_LOOPBACK_RESPONSE";
  private static final Log LOG = Log.of(OwnStack.class);
  private static final String REGION = "AWS_REGION";
  private static final String BUCKET = "cloudformation-custom-resource-response-";
  private static final Pattern STACK_ARN =
      Pattern.compile("arn:(aws[a-z-]*):cloudformation:([a-z0-9-]+):[0-9]{12}:stack/[^/]+/.+");

  private final Optional<String> stackId;
  private final Optional<String> region;
  private final String domain;
  private final boolean loopbackAllowed;

  OwnStack(Optional<String> stackId, Optional<String> region, String domain, boolean loopbackAllowed) {
    this.stackId = stackId;
    this.region = region;
    this.domain = domain;
    this.loopbackAllowed = loopbackAllowed;
  }

  /** The stack id, and the region and partition it names (else the function's AWS_REGION). */
  public static OwnStack from(Settings settings) {
    Optional<String> stackId = settings.get(STACK_ID).map(String::trim).filter(s -> !s.isEmpty());
    Matcher arn = stackId.map(STACK_ARN::matcher).filter(Matcher::matches).orElse(null);
    Optional<String> region = arn != null ? Optional.of(arn.group(2)) : settings.get(REGION).map(String::trim);
    String partition = arn != null ? arn.group(1) : "aws";
    return new OwnStack(stackId, region.filter(r -> !r.isEmpty()),
        "aws-cn".equals(partition) ? "amazonaws.com.cn" : "amazonaws.com",
        "allow".equals(settings.get(LOOPBACK_RESPONSE).map(String::trim).orElse("")));
  }

  /**
   * For an event whose ResponseURL must not be answered: a FAILED Response that is logged and
   * returned, never sent. Empty when the URL may be answered.
   */
  public Optional<Response> unanswerable(CloudFormationCustomResourceEvent event, Context context, String physicalId) {
    Optional<String> refused = responseUrlRefusal(event.getResponseUrl());
    if (refused.isEmpty()) {
      return Optional.empty();
    }
    String requestId = context == null ? null : context.getAwsRequestId();
    return Optional.of(Log.inRequest(requestId, () -> {
      LOG.error("custom_resource.refused", null, "why", refused.get(), "requestType", event.getRequestType(),
          "logicalResourceId", event.getLogicalResourceId(), "cfnRequestId", event.getRequestId());
      return AnswerInTime.failed(physicalId == null ? "not-answered" : physicalId,
          refused.get() + ": not answered, nothing done");
    }));
  }

  /** Why this event is not this stack's, or empty when it is. */
  public Optional<String> stackRefusal(String eventStackId) {
    if (stackId.isEmpty()) {
      return Optional.of(STACK_ID + " is not set: the function cannot tell its own stack's events, so it accepts none");
    }
    if (!stackId.get().equals(eventStackId)) {
      return Optional.of("the event's StackId is not this function's stack (" + STACK_ID + "): nothing was done");
    }
    return Optional.empty();
  }

  /** Why the function must not answer this URL, or empty when it may. Never repeats the URL's query. */
  public Optional<String> responseUrlRefusal(String responseUrl) {
    URI uri;
    try {
      uri = URI.create(responseUrl == null ? "" : responseUrl.trim());
    } catch (IllegalArgumentException e) {
      return Optional.of("the ResponseURL is not a URL");
    }
    String host = uri.getHost() == null ? "" : uri.getHost().toLowerCase(Locale.ROOT);
    if (uri.getRawUserInfo() != null) {
      return Optional.of("the ResponseURL carries user information");
    }
    if ("http".equals(uri.getScheme()) && isLoopback(host)) {
      return loopbackAllowed ? Optional.empty()
          : Optional.of("the ResponseURL is a loopback address, allowed only with " + LOOPBACK_RESPONSE + "=allow (local runs)");
    }
    if (region.isEmpty()) {
      return Optional.of("no region (" + STACK_ID + " or AWS_REGION) to check the ResponseURL against");
    }
    if (!"https".equals(uri.getScheme()) || (uri.getPort() != -1 && uri.getPort() != 443)) {
      return Optional.of("the ResponseURL is not https to CloudFormation's response bucket");
    }
    String r = region.get();
    String bucket = BUCKET + r.replace("-", "");
    boolean cloudFormations = host.equals(bucket + ".s3." + domain)
        || host.equals(bucket + ".s3." + r + "." + domain)
        || host.equals(bucket + ".s3-" + r + "." + domain);
    if (!cloudFormations) {
      return Optional.of("the ResponseURL is not CloudFormation's response bucket in " + r + " (host " + host + ")");
    }
    return Optional.empty();
  }

  private static boolean isLoopback(String host) {
    if (host.equals("localhost")) {
      return true;
    }
    if (!host.matches("[0-9.]+|\\[[0-9a-f:]+\\]")) {
      return false; // a name: never resolved here
    }
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
