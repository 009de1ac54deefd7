package dev.switchboard.wiring;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A stale preload list (a class renamed or moved since it was recorded) loads what it can, and never fails. */
class ClassPreloadTest {
  @TempDir
  Path jar;

  private ClassLoader loaderWithList(String... lines) throws Exception {
    Path list = jar.resolve(ClassPreload.RESOURCE);
    Files.createDirectories(list.getParent());
    Files.write(list, List.of(lines));
    return new URLClassLoader(new URL[] {jar.toUri().toURL()}, getClass().getClassLoader());
  }

  @Test
  void load_skipsAndCountsTheNamesItCannotFind_andLoadsTheRest() throws Exception {
    ClassLoader loader = loaderWithList("# recorded by ./bench.sh preload", "", "java.lang.String",
        "dev.switchboard.wiring.RenamedSinceTheListWasRecorded", "  java.util.concurrent.ConcurrentHashMap  ");

    ClassPreload.Loaded loaded = ClassPreload.load(loader);

    assertEquals(2, loaded.loaded());
    assertEquals(List.of("dev.switchboard.wiring.RenamedSinceTheListWasRecorded"), loaded.missing());
  }

  @Test
  void load_withoutAList_loadsNothing() {
    ClassPreload.Loaded loaded = ClassPreload.load(new URLClassLoader(new URL[0], null));

    assertEquals(0, loaded.loaded());
    assertEquals(List.of(), loaded.missing());
  }
}
