package dev.switchboard.local;

import com.sun.net.httpserver.Headers;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;

/**
 * Tells a request typed on this machine from one that came through a proxy or a tunnel
 * (ngrok, cloudflared…), which a developer opens so Stripe can reach the webhook.
 *
 * <p>The local API decodes JWTs without verifying them, as {@code sam local start-api} does,
 * so anyone who knows the tunnel's URL (it is registered at Stripe and is a stack parameter)
 * could act as any organisation and, with real provider credentials, buy real numbers.
 * Such a request is recognised by what every tunnel adds or keeps: a forwarding header
 * ({@code X-Forwarded-For}, {@code Forwarded}, {@code X-Forwarded-Host}, {@code X-Real-IP}),
 * a {@code Host} that is not a loopback name or address, or a peer that is not loopback.
 * It gets only the routes that need no JWT (the Stripe webhook, which checks its own
 * signature); nothing under {@code /_local/}.
 */
final class ForwardedRequests {
  private static final List<String> FORWARDING_HEADERS =
      List.of("X-Forwarded-For", "Forwarded", "X-Forwarded-Host", "X-Real-IP");

  private ForwardedRequests() {}

  static boolean isForwarded(Headers headers, InetSocketAddress peer) {
    for (String name : FORWARDING_HEADERS) {
      if (headers.containsKey(name)) {
        return true;
      }
    }
    if (peer == null || peer.getAddress() == null || !peer.getAddress().isLoopbackAddress()) {
      return true;
    }
    String host = headers.getFirst("Host");
    return host != null && !isLoopbackHost(host);
  }

  /** "localhost", "127.0.0.1:3000", "[::1]:3000": names and literals only, nothing is resolved. */
  static boolean isLoopbackHost(String hostHeader) {
    String host = hostHeader.trim().toLowerCase(Locale.ROOT);
    String literal;
    if (host.startsWith("[")) { // an IPv6 literal is always bracketed in a Host header
      int end = host.indexOf(']');
      literal = end < 0 ? "" : host.substring(1, end);
      if (!literal.matches("[0-9a-f:.]*:[0-9a-f:.]*")) {
        return false;
      }
    } else {
      String name = host.indexOf(':') >= 0 ? host.substring(0, host.indexOf(':')) : host;
      if (name.equals("localhost")) {
        return true;
      }
      if (!name.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}")) {
        return false; // any other name is not taken as this machine
      }
      literal = name;
    }
    try {
      return InetAddress.getByName(literal).isLoopbackAddress(); // a literal: parsed, never looked up
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
