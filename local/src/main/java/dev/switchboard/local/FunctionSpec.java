package dev.switchboard.local;

import java.util.List;
import java.util.Map;

/**
 * A function of the template, with the template's Globals already merged in: its handler
 * class, limits, environment and logging configuration (still unresolved: parameters are
 * applied per run).
 */
record FunctionSpec(
    String logicalId,
    String handler,
    int timeoutSeconds,
    int memoryMb,
    Map<String, Object> environment,
    Map<String, Object> loggingConfig,
    List<HttpRoute> routes) {

  /** The handler's class: {@code a.b.Handler::handleRequest} and {@code a.b.Handler} both name it. */
  String handlerClass() {
    int colons = handler.indexOf("::");
    return colons < 0 ? handler : handler.substring(0, colons);
  }
}
