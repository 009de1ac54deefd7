package dev.switchboard.bench.launcher;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.amazonaws.services.lambda.runtime.serialization.PojoSerializer;
import com.amazonaws.services.lambda.runtime.serialization.events.LambdaEventSerializers;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What the Lambda Java runtime does on a cold start, and nothing more: load the handler class
 * by name, build it with its no-arg constructor, deserialize one event with the runtime's own
 * serializer (aws-lambda-java-serialization), invoke, serialize the answer, and print it on
 * one line prefixed with {@link #MARKER}, which is the moment the cold-start benchmark stops
 * its clock.
 *
 * <p>Runs in a fresh JVM on the classpath {@code launcher.jar:<deployable>}: it brings nothing
 * but itself and the serializer, which the real runtime provides too, so a function gets no
 * class it would not have in Lambda. Reflection is how the runtime itself finds the handler.
 *
 * <p>Usage: {@code Launcher <handler class> <event.json>}.
 */
public final class Launcher {
  public static final String MARKER = "@@first-response@@ ";

  private Launcher() {}

  public static void main(String[] args) throws Exception {
    Class<?> type = Class.forName(args[0], true, Launcher.class.getClassLoader());
    Object handler = type.getDeclaredConstructor().newInstance();
    byte[] event = Files.readAllBytes(Path.of(args[1]));
    Context context = new LauncherContext(type.getSimpleName());
    ByteArrayOutputStream answer = new ByteArrayOutputStream();
    if (handler instanceof RequestStreamHandler stream) {
      stream.handleRequest(new ByteArrayInputStream(event), answer, context);
    } else if (handler instanceof RequestHandler<?, ?> typed) {
      invoke(typed, event, answer, context);
    } else {
      throw new IllegalArgumentException(args[0] + " is not a Lambda handler");
    }
    System.out.println(MARKER + answer.toString(StandardCharsets.UTF_8).replace('\n', ' '));
    System.out.flush();
    System.exit(0); // as the runtime freezes the container: SDK threads do not keep us alive
  }

  @SuppressWarnings("unchecked")
  private static void invoke(RequestHandler<?, ?> handler, byte[] event, ByteArrayOutputStream answer,
                             Context context) {
    Type[] types = requestHandlerTypes(handler.getClass());
    Class<Object> in = (Class<Object>) raw(types[0]);
    Class<Object> out = (Class<Object>) raw(types[1]);
    PojoSerializer<Object> reader = LambdaEventSerializers.serializerFor(in, Launcher.class.getClassLoader());
    Object input;
    try (InputStream stream = new ByteArrayInputStream(event)) {
      input = reader.fromJson(stream);
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
    Object output = ((RequestHandler<Object, Object>) handler).handleRequest(input, context);
    if (output == null || types[1] == Void.class) {
      answer.writeBytes("null".getBytes(StandardCharsets.UTF_8));
    } else {
      LambdaEventSerializers.serializerFor(out, Launcher.class.getClassLoader()).toJson(output, answer);
    }
  }

  /** The I and O of {@code RequestHandler<I, O>}, found up the class hierarchy. */
  static Type[] requestHandlerTypes(Class<?> type) {
    for (Class<?> c = type; c != null; c = c.getSuperclass()) {
      for (Type t : c.getGenericInterfaces()) {
        if (t instanceof ParameterizedType p && p.getRawType() == RequestHandler.class) {
          return p.getActualTypeArguments();
        }
      }
    }
    throw new IllegalArgumentException(type + " does not declare RequestHandler<I, O>");
  }

  static Class<?> raw(Type t) {
    if (t instanceof Class<?> c) {
      return c;
    }
    if (t instanceof ParameterizedType p) {
      return (Class<?>) p.getRawType();
    }
    return Object.class;
  }
}
