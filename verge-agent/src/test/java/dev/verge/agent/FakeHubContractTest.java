package dev.verge.agent;

import java.net.URI;

/** FakeHub keeps the contract the real hub keeps. */
class FakeHubContractTest extends HubContract {
  @Override
  Side side() {
    FakeHub fake = new FakeHub();
    return new Side() {
      @Override
      public URI url() {
        return fake.url();
      }

      @Override
      public String enrollmentToken() {
        return FakeHub.TOKEN;
      }

      @Override
      public void close() {
        fake.close();
      }
    };
  }
}
