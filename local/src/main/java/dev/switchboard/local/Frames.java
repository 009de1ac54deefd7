package dev.switchboard.local;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The pipe protocol between the runner and a function's process: a frame is a kind byte, a
 * length and UTF-8 text. Length-prefixed, so a result may hold any character, newlines too.
 */
final class Frames {
  /** runner to function: the request id, then the event */
  static final byte INVOKE = 'I';
  /** function to runner: the handler was built, events may come */
  static final byte READY = 'R';
  /** function to runner: the constructor threw (Lambda's init error); the process exits */
  static final byte INIT_ERROR = 'E';
  /** function to runner: the handler's serialised result */
  static final byte RESULT = 'O';
  /** function to runner: the handler threw; text is Lambda's error document */
  static final byte HANDLER_ERROR = 'X';

  /** Anything larger is refused: Lambda's own synchronous payload limit is 6 MB. */
  static final int MAX_BYTES = 6 * 1024 * 1024;

  private Frames() {}

  record Frame(byte kind, String text) {}

  static void write(DataOutputStream out, byte kind, String text) throws IOException {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    synchronized (out) {
      out.writeByte(kind);
      out.writeInt(bytes.length);
      out.write(bytes);
      out.flush();
    }
  }

  /** The next frame; empty at the end of the stream (the other side has gone). */
  static Optional<Frame> read(DataInputStream in) throws IOException {
    int kind = in.read();
    if (kind < 0) {
      return Optional.empty();
    }
    int length;
    try {
      length = in.readInt();
    } catch (EOFException e) {
      return Optional.empty();
    }
    if (length < 0 || length > MAX_BYTES) {
      throw new IOException("frame of " + length + " bytes refused");
    }
    byte[] bytes = new byte[length];
    in.readFully(bytes);
    return Optional.of(new Frame((byte) kind, new String(bytes, StandardCharsets.UTF_8)));
  }
}
