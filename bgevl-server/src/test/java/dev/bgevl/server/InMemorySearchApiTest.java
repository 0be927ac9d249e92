package dev.bgevl.server;

import dev.bgevl.BgeVl;
import java.nio.file.Path;

class InMemorySearchApiTest extends SearchApiTest {
  @Override
  SearchBackend newBackend(Path dir, BgeVl model) {
    return new InMemorySearchBackend(model.dim());
  }
}
