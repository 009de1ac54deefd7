package dev.switchboard.reliability;

/**
 * The simulation from the command line, outside Maven (so a long run does not hold the build):
 * the same properties as {@link SimulationTest} ({@code simulation.minutes}, {@code .seed},
 * {@code .firstSeed}, {@code .ops}); exits 1 on a violation. Run from the repository root
 * (the handlers read events/); {@code ./simulate.sh} builds the classpath and runs it.
 */
public final class SimulationMain {
  private SimulationMain() {}

  public static void main(String[] args) {
    try {
      new SimulationTest().seededSimulations_keepTheMoneyAndTheNumbersRight();
    } catch (AssertionError e) {
      System.out.println(e.getMessage());
      System.exit(1);
    }
    System.exit(0);
  }
}
