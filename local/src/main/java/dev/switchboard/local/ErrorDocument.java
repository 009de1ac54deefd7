package dev.switchboard.local;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.reflect.InvocationTargetException;

/** Lambda's answer when a handler throws: {@code {"errorMessage", "errorType", "stackTrace"}}. */
final class ErrorDocument {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ErrorDocument() {}

  static String of(Throwable thrown) {
    Throwable t = thrown;
    while (t instanceof InvocationTargetException && t.getCause() != null) {
      t = t.getCause();
    }
    ObjectNode doc = JSON.createObjectNode();
    doc.put("errorMessage", t.getMessage() == null ? t.getClass().getName() : t.getMessage());
    doc.put("errorType", t.getClass().getName());
    ArrayNode trace = doc.putArray("stackTrace");
    for (StackTraceElement e : t.getStackTrace()) {
      trace.add(e.toString());
    }
    if (t.getCause() != null && t.getCause() != t) {
      doc.put("cause", t.getCause().getClass().getName() + ": " + t.getCause().getMessage());
    }
    return doc.toString();
  }
}
