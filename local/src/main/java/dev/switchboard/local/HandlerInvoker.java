package dev.switchboard.local;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.serialization.PojoSerializer;
import com.amazonaws.services.lambda.runtime.serialization.events.LambdaEventSerializers;
import com.amazonaws.services.lambda.runtime.serialization.factories.JacksonFactory;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Method;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;

/**
 * A handler as the Lambda Java runtime sees it: the class the template names, built with its
 * public no-arg constructor, and its handler method (by default {@code handleRequest}), fed
 * an event deserialised by the runtime's own serializers (aws-lambda-java-serialization: the
 * event library's mix-ins for the events it knows, its Jackson setup for the rest).
 * Loading a class by name is the runtime's job, so this is the one place we use reflection.
 */
final class HandlerInvoker {
  private final Object handler;
  private final Method method;
  private final boolean stream;
  private final PojoSerializer<Object> input;
  private final PojoSerializer<Object> output;

  private HandlerInvoker(Object handler, Method method, boolean stream,
      PojoSerializer<Object> input, PojoSerializer<Object> output) {
    this.handler = handler;
    this.method = method;
    this.stream = stream;
    this.input = input;
    this.output = output;
  }

  static HandlerInvoker load(String handlerName, ClassLoader loader) throws ReflectiveOperationException {
    int colons = handlerName.indexOf("::");
    String className = colons < 0 ? handlerName : handlerName.substring(0, colons);
    String methodName = colons < 0 ? "handleRequest" : handlerName.substring(colons + 2);
    Class<?> type = Class.forName(className, true, loader);
    Object handler = type.getConstructor().newInstance();

    for (Method m : type.getMethods()) {
      if (!m.getName().equals(methodName) || m.isBridge()) {
        continue;
      }
      Class<?>[] p = m.getParameterTypes();
      if (p.length >= 2 && p[0] == InputStream.class && p[1] == OutputStream.class) {
        return new HandlerInvoker(handler, m, true, null, null);
      }
      if (p.length == 2 && p[1] == Context.class || p.length == 1) {
        Type in = m.getGenericParameterTypes()[0];
        Type out = m.getGenericReturnType();
        PojoSerializer<Object> input = serializer(in, loader);
        if (input == null) {
          input = JacksonFactory.getInstance().getSerializer((Type) Object.class);
        }
        return new HandlerInvoker(handler, m, false, input, serializer(out, loader));
      }
    }
    throw new NoSuchMethodException(className + " has no public " + methodName
        + "(event, Context) nor " + methodName + "(InputStream, OutputStream, Context)");
  }

  /** The handler's result as JSON; whatever the handler throws is thrown. */
  String invoke(String eventJson, Context context) throws Exception {
    try {
      if (stream) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        InputStream in = new ByteArrayInputStream(eventJson.getBytes(StandardCharsets.UTF_8));
        if (method.getParameterCount() == 3) {
          method.invoke(handler, in, out, context);
        } else {
          method.invoke(handler, in, out);
        }
        return out.toString(StandardCharsets.UTF_8);
      }
      Object event = input.fromJson(eventJson);
      Object result = method.getParameterCount() == 2
          ? method.invoke(handler, event, context)
          : method.invoke(handler, event);
      if (result == null) {
        return "null";
      }
      PojoSerializer<Object> serializer = output != null ? output : serializer(result.getClass(),
          handler.getClass().getClassLoader());
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      serializer.toJson(result, out);
      return out.toString(StandardCharsets.UTF_8);
    } catch (java.lang.reflect.InvocationTargetException e) {
      Throwable cause = e.getCause();
      if (cause instanceof Exception ex) {
        throw ex;
      }
      throw (Error) cause;
    }
  }

  @SuppressWarnings("unchecked")
  private static PojoSerializer<Object> serializer(Type type, ClassLoader loader) {
    if (type == void.class || type == Void.class) {
      return null;
    }
    if (type instanceof Class<?> cls) {
      if (cls == Object.class) {
        return null; // decided by the value itself
      }
      if (LambdaEventSerializers.isLambdaSupportedEvent(cls.getName())) {
        return (PojoSerializer<Object>) LambdaEventSerializers.serializerFor(cls, loader);
      }
    }
    return JacksonFactory.getInstance().getSerializer(type);
  }
}
