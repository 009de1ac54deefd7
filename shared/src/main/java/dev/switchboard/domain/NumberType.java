package dev.switchboard.domain;

/** The kind of number bought at Twilio; {@link #wire()} is the API and database form. */
public enum NumberType implements WireValue {
  LOCAL("local"),
  TOLL_FREE("toll_free");

  private final String wire;

  NumberType(String wire) {
    this.wire = wire;
  }

  @Override
  public String wire() {
    return wire;
  }
}
