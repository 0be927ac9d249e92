package dev.bgevl.search;

import java.util.List;

/**
 * What ingestion and querying need from a model: L2-normalized embeddings for a batch of inputs.
 * {@link BgeVlEmbedder} adapts {@code dev.bgevl.BgeVl}; tests use synthetic ones.
 */
public interface Embedder {
  /** The model's identity, recorded in the index (an index refuses vectors from another model). */
  String modelId();

  int dim();

  /**
   * One L2-normalized vector per input, in order. An input that cannot be embedded (unreadable or
   * undecodable image...) throws {@code dev.bgevl.BgeVlException} naming it; ingestion then retries
   * the batch's items one by one to isolate it.
   */
  List<float[]> embed(List<EmbedInput> inputs);
}
