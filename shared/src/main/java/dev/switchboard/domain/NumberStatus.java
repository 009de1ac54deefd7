package dev.switchboard.domain;

/** Where a managed number is in its life; {@link #wire()} is the API and database form. */
public enum NumberStatus implements WireValue {
  PROVISIONING("provisioning"),
  ACTIVE("active"),
  RELEASING("releasing"),
  RELEASED("released"),
  FAILED("failed");

  private final String wire;

  NumberStatus(String wire) {
    this.wire = wire;
  }

  @Override
  public String wire() {
    return wire;
  }
}
