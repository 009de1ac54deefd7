package dev.switchboard.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * PgBouncer in transaction mode in front of the embedded PostgreSQL: a real transaction pooler,
 * which lends a server connection per transaction as RDS Proxy does. Where RDS Proxy would pin a
 * connection that holds session state, PgBouncer fails loudly (a statement prepared on one server
 * connection is missing on the next: {@code prepared statement "S_1" does not exist}), so a test
 * that passes through it proves the code holds none.
 *
 * <p>Debian's {@code pgbouncer} package ({@code .ci/run} installs it). Where the binary is missing
 * {@link #available()} is false and the tests that need it are skipped.
 */
public final class PgBouncer implements AutoCloseable {
  /** Fewer server connections than the suites' concurrent containers (8), so they really share. */
  public static final int POOL_SIZE = 4;
  private static final List<Path> BINARIES = List.of(Path.of("/usr/sbin/pgbouncer"), Path.of("/usr/bin/pgbouncer"));
  private static PgBouncer shared;

  private final Process process;
  private final int port;
  private final int postgresPort;
  private final Path directory;

  private PgBouncer(Process process, int port, int postgresPort, Path directory) {
    this.process = process;
    this.port = port;
    this.postgresPort = postgresPort;
    this.directory = directory;
  }

  /** The installed binary, if any. */
  public static Optional<Path> binary() {
    return BINARIES.stream().filter(Files::isExecutable).findFirst();
  }

  public static boolean available() {
    return binary().isPresent();
  }

  /** The JVM's pooler, in front of {@link EmbeddedDatabase#shared()}, started on first use. */
  public static synchronized PgBouncer shared() {
    if (shared == null) {
      shared = start(EmbeddedDatabase.shared().port(), POOL_SIZE);
      Runtime.getRuntime().addShutdownHook(new Thread(shared::close, "pgbouncer-stop"));
    }
    return shared;
  }

  /**
   * Starts one on a free port in front of the PostgreSQL on {@code postgresPort}: every database
   * name and the two users the suites connect as, {@code poolSize} server connections per
   * database and user.
   */
  public static PgBouncer start(int postgresPort, int poolSize) {
    Path binary = binary().orElseThrow(() -> new IllegalStateException("pgbouncer is not installed"));
    try {
      Path dir = Files.createTempDirectory("pgbouncer");
      int port = freePort();
      // trust: the embedded server trusts local connections too; the users must still be listed
      Files.writeString(dir.resolve("users.txt"), "\"postgres\" \"\"\n\"switchboard_app\" \"\"\n");
      Files.writeString(dir.resolve("pgbouncer.ini"), String.join("\n",
          "[databases]",
          "* = host=127.0.0.1 port=" + postgresPort,
          "[pgbouncer]",
          "listen_addr = 127.0.0.1",
          "listen_port = " + port,
          "unix_socket_dir =",
          "auth_type = trust",
          "auth_file = " + dir.resolve("users.txt"),
          "pool_mode = transaction",
          "default_pool_size = " + poolSize,
          "max_client_conn = 1000",
          // pgjdbc sends it at startup; PgBouncer refuses unknown startup parameters otherwise
          "ignore_startup_parameters = extra_float_digits",
          // it refuses to run as root: CI and these machines run as root
          isRoot() ? "user = nobody" : "",
          ""));
      // readable by the user it drops to
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
      Process process = new ProcessBuilder(binary.toString(), dir.resolve("pgbouncer.ini").toString())
          .redirectErrorStream(true)
          .redirectOutput(dir.resolve("pgbouncer.log").toFile())
          .start();
      PgBouncer bouncer = new PgBouncer(process, port, postgresPort, dir);
      bouncer.awaitListening();
      return bouncer;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start pgbouncer", e);
    }
  }

  public int port() {
    return port;
  }

  /** The same JDBC URL of the embedded server, reaching it through this pooler. */
  public String route(String jdbcUrl) {
    String direct = "//localhost:" + postgresPort + "/";
    if (!jdbcUrl.contains(direct)) {
      throw new IllegalArgumentException("not a URL of the PostgreSQL behind this pooler: " + jdbcUrl);
    }
    return jdbcUrl.replace(direct, "//127.0.0.1:" + port + "/");
  }

  private void awaitListening() throws IOException {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1); // only against a hang
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("pgbouncer exited: " + log());
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return;
      } catch (IOException notYet) {
        sleep(50);
      }
    }
    close();
    throw new IllegalStateException("pgbouncer did not listen within 10 s: " + log());
  }

  /** What it wrote: the reason when it stops or refuses. */
  public String log() {
    try {
      return Files.readString(directory.resolve("pgbouncer.log"));
    } catch (IOException e) {
      return "(no log)";
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static boolean isRoot() {
    return "root".equals(System.getProperty("user.name"));
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
