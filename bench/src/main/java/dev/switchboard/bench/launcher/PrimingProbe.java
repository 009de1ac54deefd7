package dev.switchboard.bench.launcher;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.serialization.PojoSerializer;
import com.amazonaws.services.lambda.runtime.serialization.events.LambdaEventSerializers;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.lang.management.ClassLoadingMXBean;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.crac.Resource;

/**
 * What SnapStart does to a function, as far as one JVM can show it: build the handler, run its
 * {@code beforeCheckpoint} and {@code afterRestore} hooks (the snapshot and the restore cannot
 * happen here), then serve one real request; or, as a cold start, build it and serve the
 * request straight away. The request is the handler's {@code handleRequest} alone: the
 * runtime's serializer reads the event before and writes the answer after, since its classes
 * and time are the runtime's. Prints one line, prefixed with {@link #MARKER}, holding the classes
 * loaded (ClassLoadingMXBean) and the time taken by each step.
 *
 * <p>Run with {@code -Xlog:class+load=info:stdout:none}, the lines between the markers name the
 * classes each step loaded: {@link #MAIN_START} to {@link #CONSTRUCTED} the constructor's,
 * {@link #REQUEST_START} to {@link #REQUEST_END} the request's.
 *
 * <p>Usage: {@code PrimingProbe <handler class> primed|cold <event.json>}. The hooks are found
 * as the tests find them, through the handler's public {@code snapStart()}: on a JVM without
 * CRaC the global context cannot be made to call them.
 */
public final class PrimingProbe {
  public static final String MARKER = "@@priming-probe@@ ";
  public static final String MAIN_START = "@@main-start@@";
  public static final String CONSTRUCTED = "@@constructed@@";
  public static final String REQUEST_START = "@@request-start@@";
  public static final String REQUEST_END = "@@request-end@@";

  private PrimingProbe() {}

  @SuppressWarnings("unchecked")
  public static void main(String[] args) throws Exception {
    ClassLoadingMXBean classes = ManagementFactory.getClassLoadingMXBean();
    long atMain = classes.getTotalLoadedClassCount();
    System.out.println(MAIN_START);
    long start = System.nanoTime();
    Class<?> type = Class.forName(args[0], true, PrimingProbe.class.getClassLoader());
    Object handler = type.getDeclaredConstructor().newInstance();
    long constructed = System.nanoTime();
    long afterConstructor = classes.getTotalLoadedClassCount();
    System.out.println(CONSTRUCTED);
    if (args[1].equals("primed")) {
      Resource hooks = (Resource) type.getMethod("snapStart").invoke(handler);
      hooks.beforeCheckpoint(null);
      hooks.afterRestore(null);
    }
    long primed = System.nanoTime();
    long afterPriming = classes.getTotalLoadedClassCount();
    // the runtime's serializer is the runtime's cost, not the function's: outside the measurement
    Type[] types = Launcher.requestHandlerTypes(type);
    Object input = serializer(types[0]).fromJson(new ByteArrayInputStream(Files.readAllBytes(Path.of(args[2]))));
    Context context = new LauncherContext(type.getSimpleName());
    System.out.println(REQUEST_START);
    long beforeRequest = classes.getTotalLoadedClassCount();
    long requestStart = System.nanoTime();
    Object output = ((RequestHandler<Object, Object>) handler).handleRequest(input, context);
    long requestEnd = System.nanoTime();
    long afterRequest = classes.getTotalLoadedClassCount();
    System.out.println(REQUEST_END);
    ByteArrayOutputStream answer = new ByteArrayOutputStream();
    serializer(types[1]).toJson(output, answer);
    System.out.println(MARKER + "status=" + status(answer.toString(StandardCharsets.UTF_8))
        + " initClasses=" + (afterConstructor - atMain) + " primingClasses=" + (afterPriming - afterConstructor) + " requestClasses=" + (afterRequest - beforeRequest)
        + " initMillis=" + millis(constructed - start) + " primingMillis=" + millis(primed - constructed)
        + " requestMillis=" + millis(requestEnd - requestStart));
    System.out.flush();
    System.exit(0);
  }

  @SuppressWarnings("unchecked")
  private static PojoSerializer<Object> serializer(Type type) {
    return LambdaEventSerializers.serializerFor((Class<Object>) Launcher.raw(type), PrimingProbe.class.getClassLoader());
  }

  private static String millis(long nanos) {
    return String.format("%.3f", nanos / 1e6);
  }

  private static String status(String answer) {
    int at = answer.indexOf("\"statusCode\":");
    return at < 0 ? "none" : answer.substring(at + 13, Math.min(answer.length(), at + 16));
  }
}
