package dev.switchboard.domain;

/** Countries we sell numbers in. GB and AU numbers need a regulatory Address at Twilio. */
public enum Country implements WireValue {
  US(false),
  GB(true),
  CA(false),
  AU(true);

  private final boolean needsAddress;

  Country(boolean needsAddress) {
    this.needsAddress = needsAddress;
  }

  public boolean needsAddress() {
    return needsAddress;
  }

  @Override
  public String wire() {
    return name();
  }
}
