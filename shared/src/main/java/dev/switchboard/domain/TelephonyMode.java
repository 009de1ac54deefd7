package dev.switchboard.domain;

/** How an organisation gets its numbers; {@link #wire()} is the API and database form. */
public enum TelephonyMode implements WireValue {
  BYOC("byoc"),
  MANAGED("managed"),
  NONE("none");

  private final String wire;

  TelephonyMode(String wire) {
    this.wire = wire;
  }

  @Override
  public String wire() {
    return wire;
  }
}
