package dev.switchboard.local;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.util.Optional;

/**
 * The main class of a function's own process: the local stand-in for a Lambda execution
 * environment. It builds the handler once with its no-arg constructor, exactly as the Lambda
 * runtime does (so the handler reads {@code System.getenv()}, which the runner composed for
 * it), then answers invocations from the runner over stdin/stdout frames until stdin closes.
 *
 * <p>Whatever the handler prints goes to stderr: stdout carries only the protocol.
 */
public final class HandlerWorker {
  private HandlerWorker() {}

  /** Arguments: handler (as the template names it), function name, memory in MB, timeout in seconds. */
  public static void main(String[] args) throws IOException {
    if (args.length != 4) {
      System.err.println("usage: HandlerWorker <handler> <function name> <memory MB> <timeout s>");
      System.exit(2);
    }
    DataOutputStream out = new DataOutputStream(
        new BufferedOutputStream(new FileOutputStream(FileDescriptor.out)));
    System.setOut(System.err);
    DataInputStream in = new DataInputStream(new BufferedInputStream(System.in));

    String functionName = args[1];
    int memoryMb = Integer.parseInt(args[2]);
    long timeoutMillis = Long.parseLong(args[3]) * 1000;
    String region = Optional.ofNullable(System.getenv("AWS_REGION")).orElse("us-east-1");

    HandlerInvoker invoker;
    try {
      invoker = HandlerInvoker.load(args[0], HandlerWorker.class.getClassLoader());
    } catch (Throwable t) { // init error: reported like Lambda's Runtime.InitError, then exit
      Frames.write(out, Frames.INIT_ERROR, ErrorDocument.of(t));
      System.exit(1);
      return;
    }
    Frames.write(out, Frames.READY, "");

    while (true) {
      Optional<Frames.Frame> frame = Frames.read(in);
      if (frame.isEmpty()) {
        System.exit(0); // the runner has gone: so do we
      }
      String text = frame.get().text();
      int newline = text.indexOf('\n');
      String requestId = text.substring(0, newline);
      String event = text.substring(newline + 1);
      LocalContext context = new LocalContext(requestId, functionName, region, memoryMb,
          System.currentTimeMillis() + timeoutMillis);
      try {
        Frames.write(out, Frames.RESULT, invoker.invoke(event, context));
      } catch (Throwable t) { // the handler threw: Lambda answers the error document
        Frames.write(out, Frames.HANDLER_ERROR, ErrorDocument.of(t));
      }
    }
  }
}
