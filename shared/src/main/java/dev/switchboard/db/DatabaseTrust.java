package dev.switchboard.db;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The TLS socket factory PostgreSQL connections use by default ({@code sslfactory}, chosen by
 * {@link DatabaseUrl}): it trusts the JDK's certificate authorities (RDS Proxy, Neon and other
 * hosts with public certificates) plus the Amazon RDS roots shipped in
 * {@code rds-ca-bundle.pem} (RDS and Aurora instances, whose certificates chain to Amazon's
 * private RDS authorities). With {@code sslmode=verify-full} the driver then also checks that
 * the certificate names the host. Built once per container, on first use.
 */
public final class DatabaseTrust extends SSLSocketFactory {
  static final String BUNDLE = "rds-ca-bundle.pem";

  private final SSLSocketFactory delegate = Holder.FACTORY;

  /** The driver instantiates this by class name: a public no-argument constructor. */
  public DatabaseTrust() {}

  private static final class Holder {
    static final SSLSocketFactory FACTORY = build();
  }

  /** The Amazon RDS roots this build trusts besides the JDK's. */
  static List<X509Certificate> rdsRoots() {
    try (InputStream in = DatabaseTrust.class.getResourceAsStream(BUNDLE)) {
      if (in == null) {
        throw new IllegalStateException(BUNDLE + " is missing from the build");
      }
      Collection<? extends Certificate> certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
      return certs.stream().map(X509Certificate.class::cast).toList();
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot read " + BUNDLE, e);
    }
  }

  /** The JDK's trust anchors and the RDS roots, as one trust manager. */
  static X509TrustManager trustManager() {
    try {
      KeyStore anchors = KeyStore.getInstance(KeyStore.getDefaultType());
      anchors.load(null, null);
      int i = 0;
      for (X509Certificate jdk : defaultTrustManager().getAcceptedIssuers()) {
        anchors.setCertificateEntry("jdk-" + i++, jdk);
      }
      for (X509Certificate rds : rdsRoots()) {
        anchors.setCertificateEntry("rds-" + i++, rds);
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(anchors);
      return x509(tmf.getTrustManagers());
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot build the database trust store", e);
    }
  }

  private static X509TrustManager defaultTrustManager() throws GeneralSecurityException {
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init((KeyStore) null);
    return x509(tmf.getTrustManagers());
  }

  private static X509TrustManager x509(TrustManager[] managers) {
    for (TrustManager m : managers) {
      if (m instanceof X509TrustManager x) {
        return x;
      }
    }
    throw new IllegalStateException("no X.509 trust manager");
  }

  private static SSLSocketFactory build() {
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, new TrustManager[] {trustManager()}, null);
      return context.getSocketFactory();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot build the database TLS context", e);
    }
  }

  @Override
  public String[] getDefaultCipherSuites() {
    return delegate.getDefaultCipherSuites();
  }

  @Override
  public String[] getSupportedCipherSuites() {
    return delegate.getSupportedCipherSuites();
  }

  @Override
  public Socket createSocket(Socket s, String host, int port, boolean autoClose) throws IOException {
    return delegate.createSocket(s, host, port, autoClose);
  }

  @Override
  public Socket createSocket(String host, int port) throws IOException {
    return delegate.createSocket(host, port);
  }

  @Override
  public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
    return delegate.createSocket(host, port, localHost, localPort);
  }

  @Override
  public Socket createSocket(InetAddress host, int port) throws IOException {
    return delegate.createSocket(host, port);
  }

  @Override
  public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
      throws IOException {
    return delegate.createSocket(address, port, localAddress, localPort);
  }
}
