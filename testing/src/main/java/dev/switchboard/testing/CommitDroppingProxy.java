package dev.switchboard.testing;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy in front of PostgreSQL for two database faults. Once armed, it forwards the next
 * COMMIT to the server and then drops the client's connection before the server's answer
 * reaches it: the commit happened, but the application sees a lost connection (an ambiguous
 * commit). And it can {@link #goDown}: every open connection is cut and new ones are refused
 * until it {@link #comeBack}s, as in a failover. Everything else passes through unchanged, so
 * the real JDBC driver talks to the real server.
 *
 * <p>It reads just enough of the wire protocol (v3) to find the commit: the untyped startup
 * messages, then typed messages; a COMMIT is a simple Query, or a Parse of "COMMIT" (or a Bind
 * of a statement so parsed) whose Sync ends it. The server is left to answer; its answer is
 * read and discarded.
 */
public final class CommitDroppingProxy implements AutoCloseable {
  private static final int SSL_REQUEST = 80877103;
  private static final int GSSENC_REQUEST = 80877104;

  private final int targetPort;
  private final ServerSocket listener;
  private final AtomicBoolean armed = new AtomicBoolean();
  private final AtomicBoolean fired = new AtomicBoolean();
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean wentDown = new AtomicBoolean();
  private final AtomicLong roundTrips = new AtomicLong();
  private volatile boolean down;

  /** Listens on a free local port and forwards to PostgreSQL on localhost:{@code targetPort}. */
  public CommitDroppingProxy(int targetPort) {
    this.targetPort = targetPort;
    try {
      listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    } catch (IOException e) {
      throw new IllegalStateException("cannot listen", e);
    }
    Thread acceptor = new Thread(this::acceptLoop, "commit-dropping-proxy");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** The same database URL, through this proxy. */
  public String jdbcUrl(String jdbcUrl) {
    return jdbcUrl.replaceFirst("//(localhost|127\\.0\\.0\\.1):" + targetPort + "/",
        "//127.0.0.1:" + listener.getLocalPort() + "/");
  }

  /** The next COMMIT through the proxy reaches the server; its answer never reaches the client. */
  public void dropAfterNextCommit() {
    armed.set(true);
  }

  /** A drop armed and not yet fired will not happen. */
  public void disarm() {
    armed.set(false);
  }

  /** Whether an armed drop happened. */
  public boolean fired() {
    return fired.get();
  }

  /** The database is unreachable from now on: open connections are cut, new ones refused. */
  public void goDown() {
    down = true;
    wentDown.set(true);
    open.forEach(CommitDroppingProxy::closeQuietly);
  }

  /** The database is reachable again. */
  public void comeBack() {
    down = false;
  }

  /** Whether it ever went down. */
  public boolean wentDown() {
    return wentDown.get();
  }

  /**
   * The round trips the clients have made through it: a Sync (the end of an extended-query
   * exchange) or a simple Query after which the client sent nothing more, so waits for the
   * answer. pgjdbc sends a transaction's BEGIN in the same write as its first statement: one
   * round trip, not two.
   */
  public long roundTrips() {
    return roundTrips.get();
  }

  private void acceptLoop() {
    while (!listener.isClosed()) {
      try {
        Socket client = listener.accept();
        if (down) {
          closeQuietly(client); // refused: the client's startup meets a closed connection
          continue;
        }
        Socket server = new Socket(InetAddress.getLoopbackAddress(), targetPort);
        open.add(client);
        open.add(server);
        client.setTcpNoDelay(true);
        server.setTcpNoDelay(true);
        // set before a dropped commit reaches the server, so its answer can never reach the client
        AtomicBoolean muted = new AtomicBoolean();
        start(() -> pumpServerToClient(server, client, muted));
        start(() -> pumpClientToServer(client, server, muted));
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  private static void start(Runnable pump) {
    Thread t = new Thread(pump, "commit-dropping-proxy-pump");
    t.setDaemon(true);
    t.start();
  }

  private void pumpServerToClient(Socket server, Socket client, AtomicBoolean muted) {
    byte[] buffer = new byte[8192];
    try (InputStream in = server.getInputStream(); OutputStream out = client.getOutputStream()) {
      int n;
      while ((n = in.read(buffer)) >= 0) {
        if (muted.get()) {
          break; // the dropped commit's answer: read (so the commit is done), never passed on
        }
        out.write(buffer, 0, n);
        out.flush();
      }
    } catch (IOException e) {
      // one side is gone
    } finally {
      closeQuietly(client);
      closeQuietly(server);
      open.remove(client);
      open.remove(server);
    }
  }

  private void pumpClientToServer(Socket client, Socket server, AtomicBoolean muted) {
    Set<String> commitStatements = new HashSet<>();
    boolean commitPending = false;
    try {
      DataInputStream in = new DataInputStream(client.getInputStream());
      OutputStream out = server.getOutputStream();
      boolean startup = true;
      while (true) {
        if (startup) {
          int length = in.readInt();
          byte[] body = in.readNBytes(length - 4);
          int code = length >= 8 ? readInt(body, 0) : 0;
          out.write(int32(length));
          out.write(body);
          out.flush();
          startup = code == SSL_REQUEST || code == GSSENC_REQUEST; // the startup message follows those
          continue;
        }
        int type = in.read();
        if (type < 0) {
          throw new EOFException();
        }
        int length = in.readInt();
        byte[] body = in.readNBytes(length - 4);
        if (type == 'Q' && isCommit(body, 0)) {
          commitPending = true;
        } else if (type == 'P') {
          String name = cString(body, 0);
          if (isCommit(body, name.length() + 1)) {
            commitStatements.add(name);
            commitPending = true;
          }
        } else if (type == 'B') {
          String statement = cString(body, cString(body, 0).length() + 1);
          commitPending |= !statement.isEmpty() && commitStatements.contains(statement);
        }
        if ((type == 'S' || type == 'Q') && in.available() == 0) {
          roundTrips.incrementAndGet();
        }
        boolean ends = commitPending && (type == 'S' || type == 'Q');
        boolean drop = ends && armed.compareAndSet(true, false);
        if (drop) {
          muted.set(true);
          fired.set(true);
        }
        out.write(type);
        out.write(int32(length));
        out.write(body);
        out.flush();
        if (ends) {
          commitPending = false;
          if (drop) {
            client.close(); // the server commits and answers; the client never hears it
            return;
          }
        }
      }
    } catch (IOException e) {
      // one side is gone
    } finally {
      closeQuietly(client);
      if (!fired.get()) {
        closeQuietly(server);
      }
    }
  }

  private static boolean isCommit(byte[] body, int offset) {
    return cString(body, offset).strip().toUpperCase(Locale.ROOT).startsWith("COMMIT");
  }

  private static String cString(byte[] body, int offset) {
    int end = offset;
    while (end < body.length && body[end] != 0) {
      end++;
    }
    return offset >= body.length ? "" : new String(body, offset, end - offset, StandardCharsets.UTF_8);
  }

  private static int readInt(byte[] b, int offset) {
    return ((b[offset] & 0xff) << 24) | ((b[offset + 1] & 0xff) << 16) | ((b[offset + 2] & 0xff) << 8)
        | (b[offset + 3] & 0xff);
  }

  private static byte[] int32(int v) {
    return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // already closed
    }
  }

  @Override
  public void close() {
    try {
      listener.close();
    } catch (IOException ignored) {
      // already closed
    }
  }
}
