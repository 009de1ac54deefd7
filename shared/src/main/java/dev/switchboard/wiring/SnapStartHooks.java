package dev.switchboard.wiring;

import dev.switchboard.db.Database;
import dev.switchboard.log.Log;
import java.util.ArrayList;
import java.util.List;
import org.crac.Context;
import org.crac.Core;
import org.crac.Resource;

/**
 * SnapStart (CRaC) runtime hooks of a function.
 *
 * <p>Before the snapshot: run the function's hot path once on a harmless request (classes
 * loaded, JIT warmed, JSON and SQL paths exercised; no provider is called and nothing is
 * written), load the classes its real requests load beyond that ({@link ClassPreload}), then
 * close every database connection so no socket is frozen into the snapshot. After a restore:
 * drop any connection again and run the restore actions (re-seeding what is random, so clones
 * of one snapshot never share a random state) after forgetting every secret read before the
 * snapshot, so a rotated password or key is read again on first use; then open a fresh
 * connection, so the first request does not wait for one (Lambda counts the hook in the
 * restore's duration, limited to 10 s; a connection that fails here is only logged, and the
 * request opens its own).
 *
 * <p>CRaC holds resources weakly: the handler keeps this object in a field.
 */
public final class SnapStartHooks implements Resource {
  private static final Log LOG = Log.of(SnapStartHooks.class);

  private final Database database;
  private final Runnable prime;
  private final List<Runnable> afterRestore;

  /** The platform's database, and its settings' secrets forgotten first after a restore. */
  public SnapStartHooks(Platform platform, Runnable prime, List<Runnable> afterRestore) {
    this(platform.database(), prime, withFirst(platform.settings()::forgetSecrets, afterRestore));
  }

  private static List<Runnable> withFirst(Runnable first, List<Runnable> rest) {
    List<Runnable> all = new ArrayList<>();
    all.add(first);
    all.addAll(rest);
    return all;
  }

  public SnapStartHooks(Database database, Runnable prime, List<Runnable> afterRestore) {
    this.database = database;
    this.prime = prime;
    this.afterRestore = List.copyOf(afterRestore);
  }

  /** Registers with the JVM's CRaC context (a no-op context on a JVM without CRaC). */
  public SnapStartHooks register() {
    Core.getGlobalContext().register(this);
    return this;
  }

  @Override
  public void beforeCheckpoint(Context<? extends Resource> context) {
    try {
      prime.run();
      ClassPreload.Loaded preloaded = ClassPreload.load(SnapStartHooks.class.getClassLoader());
      if (!preloaded.missing().isEmpty()) {
        // a stale list only loads less (./bench.sh priming reports it): not worth more than debug
        List<String> missing = preloaded.missing();
        LOG.debug("snapstart.preload.skipped", "missingClasses", missing.size(),
            "names", missing.subList(0, Math.min(20, missing.size())));
      }
    } catch (RuntimeException e) {
      // priming is an optimisation: a failure must never stop the version from publishing
      LOG.warn("snapstart.prime.failed", "errorType", e.getClass().getName());
    } finally {
      database.closeIdleConnections();
    }
  }

  @Override
  public void afterRestore(Context<? extends Resource> context) {
    database.closeIdleConnections();
    afterRestore.forEach(Runnable::run);
    try {
      database.connectAhead();
    } catch (RuntimeException e) {
      LOG.warn("snapstart.connect_ahead.failed", "errorType", e.getClass().getName());
    }
    LOG.info("snapstart.restored");
  }
}
