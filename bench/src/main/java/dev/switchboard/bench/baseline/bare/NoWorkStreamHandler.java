package dev.switchboard.bench.baseline.bare;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Cold-start floor of a stream handler (the authorizer is one): the runtime hands over the
 * raw event and takes the raw answer, so no event class is loaded and nothing is
 * deserialized. What the authorizer's rows cost above this is its own code and its JOSE library.
 */
public final class NoWorkStreamHandler implements RequestStreamHandler {
  @Override
  public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
    input.readAllBytes();
    output.write("{\"isAuthorized\":true}".getBytes(StandardCharsets.UTF_8));
  }
}
