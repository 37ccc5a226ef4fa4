package dev.verge.hub.store;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * The base of every store contract suite: a fresh, empty database before each test. A database's
 * test class extends a suite and says how to open its stores.
 */
public abstract class StoreContract {
  protected HubStores stores;

  /** Every store over one new, empty, migrated database. */
  protected abstract HubStores openStores();

  @BeforeEach
  void openDatabase() {
    stores = openStores();
  }

  @AfterEach
  void closeDatabase() {
    stores.close();
  }
}
