package dev.switchboard.domain;

/** An amount of money in pence (GBP); never negative. */
public record Pence(long value) implements Comparable<Pence> {
  public static final Pence ZERO = new Pence(0);

  public Pence {
    if (value < 0) {
      throw new IllegalArgumentException("an amount cannot be negative");
    }
  }

  public static Pence of(long value) {
    return new Pence(value);
  }

  public boolean isLessThan(Pence other) {
    return value < other.value;
  }

  @Override
  public int compareTo(Pence other) {
    return Long.compare(value, other.value);
  }

  @Override
  public String toString() {
    return value + "p";
  }
}
