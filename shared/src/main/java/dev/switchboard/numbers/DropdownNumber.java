package dev.switchboard.numbers;

import dev.switchboard.json.Json;
import dev.switchboard.json.JsonValue;

/** One entry of the agent dropdown: a usable number, managed or the customer's own (BYOC). */
public record DropdownNumber(
    String vapiPhoneId, String phoneNumber, String name, boolean managed, String direction,
    String managedNumberId) implements JsonValue {

  @Override
  public Object toJson() {
    return Json.obj(
        "id", vapiPhoneId,
        "phoneNumber", phoneNumber,
        "name", name,
        "type", managed ? "managed" : "byoc",
        "direction", direction,
        "managedNumberId", managedNumberId);
  }
}
