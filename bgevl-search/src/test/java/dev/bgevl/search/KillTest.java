package dev.bgevl.search;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Kills (SIGKILL) a JVM in the middle of an ingest; the index must stay readable and consistent. */
class KillTest {
  static final int FILES = 60;

  @Test
  void killNineMidIngestLeavesCompleteDocumentsAndTheNextRunFinishesWithoutDuplicates(@TempDir Path tmp) throws Exception {
    Path photos = tmp.resolve("photos");
    List<Path> files = new ArrayList<>();
    for (int i = 0; i < FILES; i++) files.add(IngesterTest.image(photos.resolve(String.format("%03d.png", i)), IngesterTest.PNG, "picture " + i));
    Path index = tmp.resolve("index");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), IngestProcess.class.getName(),
        index.toString(), photos.toString(), "150", "2")
        .redirectErrorStream(true).redirectOutput(tmp.resolve("child.log").toFile()).start();
    try {
      int committed = 0;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (committed < 10 && System.nanoTime() < deadline) {
        Thread.sleep(50);
        if (!Files.exists(index.resolve(IndexFormat.META_FILE))) continue;
        try (VectorIndex idx = VectorIndex.open(index)) {
          committed = idx.size();
        }
      }
      assertTrue(p.isAlive(), "the child must still be ingesting when it is killed: " + Files.readString(tmp.resolve("child.log")));
      p.destroyForcibly(); // SIGKILL on Linux/macOS: no shutdown hooks, no IndexWriter.close
      assertTrue(p.waitFor(30, TimeUnit.SECONDS));
      assertEquals(137, p.exitValue(), "killed by signal 9");
    } finally {
      p.destroyForcibly();
    }

    int survived;
    try (VectorIndex idx = VectorIndex.open(index)) {
      survived = idx.size();
      assertTrue(survived >= 10 && survived < FILES, "a partial index: " + survived);
      assertEquals(0, survived % 2, "whole batches only (batch size 2): " + survived);
      Set<String> seen = new HashSet<>();
      for (Path f : files) {
        float[] v = idx.vector(f.toString());
        if (v == null) continue;
        seen.add(f.toString());
        // complete and correct: the stored vector is this file's, and so are the stored fields
        assertArrayEquals(HashEmbedder.vector(EmbedInput.image(f), 16), v, 0f);
        Hit h = idx.searcher().search(Query.builder(v).k(1).exact(true).build()).get(0);
        assertEquals(f.toString(), h.id());
        assertEquals(Files.size(f), h.size());
        assertEquals(Ingester.sha256(f), idx.states(photos.toString()).get(f.toString()).hash());
      }
      assertEquals(survived, seen.size());
    }

    HashEmbedder e = new HashEmbedder();
    Ingester.Summary s = IngesterTest.ingest(index, e, photos);
    assertEquals(FILES - survived, s.added(), s.describe());
    assertEquals(survived, s.unchanged(), s.describe());
    assertEquals(FILES - survived, e.calls.size(), "the rerun embeds only what the killed run had not committed");
    try (VectorIndex idx = VectorIndex.open(index)) {
      assertEquals(FILES, idx.size(), "no duplicates");
      Set<String> ids = IngesterTest.ids(index);
      assertEquals(FILES, ids.size());
      for (Path f : files) assertNotNull(idx.vector(f.toString()), f.toString());
    }
  }
}
