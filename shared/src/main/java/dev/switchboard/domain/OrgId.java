package dev.switchboard.domain;

import java.util.Optional;
import java.util.UUID;

/** An organisation's id (a uuid), parsed once at the edge. */
public record OrgId(UUID value) {
  public OrgId {
    if (value == null) {
      throw new IllegalArgumentException("org id is required");
    }
  }

  public static Optional<OrgId> parse(String text) {
    return Ids.parseUuid(text).map(OrgId::new);
  }

  @Override
  public String toString() {
    return value.toString();
  }
}
