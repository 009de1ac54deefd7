package dev.switchboard.providers.twilio;

import com.twilio.constant.EnumConstants;
import com.twilio.exception.ApiConnectionException;
import com.twilio.http.HttpClient;
import com.twilio.http.HttpMethod;
import com.twilio.http.HttpUtility;
import com.twilio.http.Request;
import com.twilio.http.Response;
import dev.switchboard.providers.ProviderSettings;
import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.hc.client5.http.classic.methods.HttpUriRequestBase;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.entity.UrlEncodedFormEntity;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.NameValuePair;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.apache.hc.core5.http.message.BasicNameValuePair;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;

/**
 * The transport under twilio-java: sends each request the SDK builds to our base URL instead
 * of the SDK's host (its region/edge settings can only name *.twilio.com, so a proxy or a local
 * fake is out of their reach), with our connect and read timeouts (the SDK's own client
 * overrides any configured timeouts with 10 s / 30.5 s on every request) and without hidden
 * retries:
 * <ul>
 *   <li>the SDK's {@code reliableRequest} repeats any 5xx up to three times, 100 ms apart,
 *       POSTs included: a purchase repeated blindly could buy twice, and three slow 5xx eat
 *       the Lambda's time. {@link #shouldRetry} says never; the saga decides, after looking.</li>
 *   <li>Apache HttpClient's default strategy repeats idempotent requests on some I/O errors
 *       and on 429/503: disabled too.</li>
 * </ul>
 * The SDK's exceptions carry neither the HTTP status of an error body it cannot parse nor
 * Twilio's request id, so the last exchange of each calling thread is kept for
 * {@link TwilioTelephony} to report.
 */
final class TwilioHttpClient extends HttpClient {
  /** What the last request of the calling thread got back. */
  record Exchange(int status, String requestId) {}

  private final String baseUrl;
  private final CloseableHttpClient http;
  private final ThreadLocal<Exchange> lastExchange = new ThreadLocal<>();

  TwilioHttpClient(String baseUrl, ProviderSettings settings) {
    this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    Timeout connect = Timeout.of(settings.connectTimeout());
    Timeout read = Timeout.of(settings.readTimeout());
    ConnectionConfig connection = ConnectionConfig.custom()
        .setConnectTimeout(connect)
        .setSocketTimeout(read)
        // a pooled connection idle across a Lambda freeze or SnapStart restore is checked first
        .setValidateAfterInactivity(TimeValue.ofSeconds(1))
        .build();
    this.http = HttpClients.custom()
        .setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create()
            .setDefaultConnectionConfig(connection)
            .setMaxConnPerRoute(10)
            .setMaxConnTotal(20)
            .build())
        .setDefaultRequestConfig(RequestConfig.custom()
            .setConnectionRequestTimeout(connect)
            .setResponseTimeout(read)
            .build())
        .disableAutomaticRetries()
        .disableRedirectHandling()
        .disableCookieManagement()
        .useSystemProperties() // an HTTPS proxy configured for the JVM still applies, as in the SDK
        .build();
  }

  @Override
  public Response makeRequest(Request request) {
    lastExchange.remove();
    HttpUriRequestBase outgoing = new HttpUriRequestBase(request.getMethod().toString(), target(request));
    if (request.requiresAuthentication()) {
      outgoing.addHeader("Authorization", request.getAuthString());
    }
    request.getHeaderParams().forEach((name, values) -> values.forEach(v -> outgoing.addHeader(name, v)));
    outgoing.addHeader("User-Agent", HttpUtility.getUserAgentString(request.getUserAgentExtensions(), true));
    outgoing.addHeader("Accept", "application/json");
    HttpMethod method = request.getMethod();
    if (method == HttpMethod.POST || method == HttpMethod.PUT || method == HttpMethod.PATCH) {
      outgoing.setEntity(body(request));
    }
    try {
      return http.execute(outgoing, answer -> {
        // read the whole body here: the connection goes back to the pool when this returns
        String content = answer.getEntity() == null ? "" : EntityUtils.toString(answer.getEntity(), StandardCharsets.UTF_8);
        Header requestId = answer.getFirstHeader("Twilio-Request-Id");
        lastExchange.set(new Exchange(answer.getCode(), requestId == null ? null : requestId.getValue()));
        return new Response(content, answer.getCode(), answer.getHeaders());
      });
    } catch (IOException e) {
      // a timeout, a refused or dropped connection: nothing is known about the outcome
      throw new ApiConnectionException("no answer from Twilio (" + e.getClass().getSimpleName() + ")", e);
    }
  }

  @Override
  protected boolean shouldRetry(Response response, int[] retryCodes) {
    return false;
  }

  /** The last exchange of the calling thread, if its last request got an answer. */
  Optional<Exchange> lastExchange() {
    return Optional.ofNullable(lastExchange.get());
  }

  void forgetLastExchange() {
    lastExchange.remove();
  }

  /** The SDK's URL (https://api.twilio.com/2010-04-01/…?…) with our base in place of its host. */
  private URI target(Request request) {
    URL sdkUrl = request.constructURL();
    if (!sdkUrl.getHost().startsWith("api.")) {
      // every resource Switchboard uses lives on api.twilio.com; another domain needs its own base URL
      throw new IllegalStateException("unexpected Twilio domain " + sdkUrl.getHost());
    }
    return URI.create(baseUrl + sdkUrl.getFile());
  }

  private static org.apache.hc.core5.http.HttpEntity body(Request request) {
    if (request.getContentType() == EnumConstants.ContentType.JSON) {
      return new StringEntity(request.getBody() == null ? "" : request.getBody(), ContentType.APPLICATION_JSON);
    }
    List<NameValuePair> form = new ArrayList<>();
    request.getPostParams().forEach((name, values) -> values.forEach(v -> form.add(new BasicNameValuePair(name, v))));
    return new UrlEncodedFormEntity(form, StandardCharsets.UTF_8);
  }
}
