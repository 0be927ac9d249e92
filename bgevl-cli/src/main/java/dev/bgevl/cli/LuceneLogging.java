package dev.bgevl.cli;

import java.util.logging.Level;
import java.util.logging.Logger;

/** Keeps Lucene's one-time "vector incubator API enabled" INFO line out of the command's stderr. */
final class LuceneLogging {
  // held strongly: java.util.logging forgets the level of a logger nobody references
  private static final Logger VECTORIZATION = Logger.getLogger("org.apache.lucene.internal.vectorization");

  private LuceneLogging() {}

  static void quiet() {
    VECTORIZATION.setLevel(Level.WARNING);
  }
}
