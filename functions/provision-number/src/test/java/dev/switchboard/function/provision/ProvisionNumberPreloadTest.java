package dev.switchboard.function.provision;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.wiring.ClassPreload;
import javax.lang.model.SourceVersion;
import org.junit.jupiter.api.Test;

/**
 * The function's SnapStart preload list is found and loads. Whether it is current is no test's
 * business: a stale list only loads less ({@code ./bench.sh priming} reports it,
 * {@code ./bench.sh preload} records it again).
 */
class ProvisionNumberPreloadTest {
  @Test
  void preloadList_loads_skippingTheNamesItCannotFind() {
    ClassPreload.Loaded loaded = ClassPreload.load(ProvisionNumberHandler.class.getClassLoader());

    assertTrue(loaded.loaded() > 0, "the list is in the function's resources and names its classes");
    assertTrue(loaded.missing().stream().allMatch(SourceVersion::isName), "every line is a class name: " + loaded.missing());
  }
}
