package dev.switchboard.deploy;

import java.time.Duration;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;

/** The HTTP client a custom resource answers CloudFormation with: the one client in its jar. */
public final class ResponseClient {
  private ResponseClient() {}

  /** Powertools would otherwise build its own default client (and pull Apache's). */
  public static SdkHttpClient create() {
    return UrlConnectionHttpClient.builder()
        .connectionTimeout(Duration.ofSeconds(3))
        .socketTimeout(Duration.ofSeconds(10))
        .build();
  }
}
