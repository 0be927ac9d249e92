package dev.bgevl.search;

import java.nio.file.Path;
import java.util.List;

/** Runs one ingestion in its own JVM (for the kill -9 test): INDEX INPUT DELAY_MS_PER_BATCH BATCH. */
public final class IngestProcess {
  public static void main(String[] args) {
    HashEmbedder e = new HashEmbedder("hash-model", 16, Long.parseLong(args[2]));
    try (VectorIndex idx = VectorIndex.openOrCreate(Path.of(args[0]), e.modelId(), e.modelId(), e.dim(), VectorIndex.Options.DEFAULT)) {
      Ingester.Summary s = new Ingester(idx, e, new Ingester.Options(Integer.parseInt(args[3]), null)).run(List.of(Path.of(args[1])));
      System.out.println(s.describe());
    }
  }
}
