package dev.switchboard.domain;

/** The routing direction of a managed number; {@link #wire()} is the API and database form. */
public enum Direction implements WireValue {
  INBOUND("inbound"),
  OUTBOUND("outbound"),
  UNASSIGNED("unassigned");

  private final String wire;

  Direction(String wire) {
    this.wire = wire;
  }

  @Override
  public String wire() {
    return wire;
  }
}
