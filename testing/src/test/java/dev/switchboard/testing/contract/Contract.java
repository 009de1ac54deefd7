package dev.switchboard.testing.contract;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.dialect.Dialects;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One provider's contract extract ({@code contracts/<name>.json}, made by {@code extract.py}
 * from the provider's published OpenAPI document) and the check of an answer against it: the
 * response schema the document gives for that operation and status (or its {@code default}),
 * validated with networknt's OpenAPI 3.0 dialect ({@code nullable} included). A status the
 * document does not describe is checked against {@code contracts/assumed.json}, where the
 * fakes' own assumptions are written down, never silently passed.
 */
final class Contract {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final SchemaRegistry REGISTRY = SchemaRegistry.withDialect(Dialects.getOpenApi30());

  private final String resource;
  private final JsonNode document;
  private final String assumedError;
  private final Map<String, Schema> schemas = new ConcurrentHashMap<>();

  private Contract(String resource, String assumedError) {
    this.resource = resource;
    this.document = read(resource);
    this.assumedError = assumedError;
  }

  static Contract stripe() {
    return new Contract("contracts/stripe.json", null);
  }

  static Contract twilio() {
    return new Contract("contracts/twilio.json", "twilio_error");
  }

  static Contract vapi() {
    return new Contract("contracts/vapi.json", "vapi_error");
  }

  /** The document's version and where it came from, for failure messages and the report. */
  String source() {
    return document.path("info").path("version").asText() + " from "
        + document.path("info").path("x-source").path("document").asText();
  }

  /** Problems of an answer to {@code method path} (a template of the document) with this status. */
  List<String> problems(String method, String path, int status, String body) {
    JsonNode responses = document.path("paths").path(path).path(method.toLowerCase()).path("responses");
    if (responses.isMissingNode()) {
      return List.of("the extract has no operation " + method + " " + path);
    }
    String key = responses.has(Integer.toString(status)) ? Integer.toString(status)
        : responses.has("default") ? "default" : null;
    String where;
    if (key == null) {
      if (status < 400 || assumedError == null) {
        return List.of("the document gives no response " + status + " for " + method + " " + path);
      }
      where = "contracts/assumed.json#/components/schemas/" + assumedError;
    } else {
      JsonNode response = responses.path(key);
      if (!response.has("content")) {
        return body == null || body.isEmpty() ? List.of()
            : List.of(method + " " + path + " " + status + " has no body in the document, the fake sent one");
      }
      where = resource + "#/paths/" + pointer(path) + "/" + method.toLowerCase() + "/responses/" + key
          + "/content/application~1json/schema";
    }
    JsonNode instance;
    try {
      instance = JSON.readTree(body == null ? "" : body);
    } catch (IOException e) {
      return List.of(method + " " + path + " " + status + " answered no JSON: " + body);
    }
    if (instance == null || instance.isMissingNode()) {
      return List.of(method + " " + path + " " + status + " answered an empty body");
    }
    Schema schema = schemas.computeIfAbsent(where, w -> REGISTRY.getSchema(SchemaLocation.of("classpath:" + w)));
    return schema.validate(instance).stream()
        .map(Error::toString)
        .map(e -> method + " " + path + " " + status + ": " + e)
        .toList();
  }

  private static String pointer(String path) {
    return path.replace("~", "~0").replace("/", "~1");
  }

  private static JsonNode read(String resource) {
    try (InputStream in = Contract.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("no " + resource + " on the test class path");
      }
      return JSON.readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
