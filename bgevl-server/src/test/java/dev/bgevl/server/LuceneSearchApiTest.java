package dev.bgevl.server;

import dev.bgevl.BgeVl;
import java.nio.file.Path;

class LuceneSearchApiTest extends SearchApiTest {
  @Override
  SearchBackend newBackend(Path dir, BgeVl model) {
    return LuceneSearchBackend.open(dir, "clip-tiny", model.modelId(), model.dim(), false);
  }
}
