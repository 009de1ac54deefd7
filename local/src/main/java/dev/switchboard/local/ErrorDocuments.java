package dev.switchboard.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;

/** Reads Lambda's error document back into one line for people. */
final class ErrorDocuments {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ErrorDocuments() {}

  static String summary(String errorDocument) {
    try {
      JsonNode doc = JSON.readTree(errorDocument);
      return doc.path("errorType").asText() + ": " + doc.path("errorMessage").asText();
    } catch (IOException | RuntimeException e) {
      return errorDocument;
    }
  }
}
