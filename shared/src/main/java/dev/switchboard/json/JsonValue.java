package dev.switchboard.json;

/** A value that knows its own JSON form (a map, list, string or number). */
public interface JsonValue {
  Object toJson();
}
