package dev.bgevl.search;

import dev.bgevl.Embedding;
import dev.bgevl.EmbeddingModel;
import dev.bgevl.Input;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@link Embedder} backed by a loaded model of either family (which stays owned by the caller).
 * Ingested items are documents: BGE-VL-MLLM embeds them with its candidate prompt.
 */
public final class BgeVlEmbedder implements Embedder {
  private final EmbeddingModel model;

  public BgeVlEmbedder(EmbeddingModel model) {
    this.model = model;
  }

  @Override
  public String modelId() {
    return model.modelId();
  }

  @Override
  public int dim() {
    return model.dim();
  }

  @Override
  public List<float[]> embed(List<EmbedInput> inputs) {
    List<Input> in = new ArrayList<>(inputs.size());
    for (EmbedInput e : inputs) in.add(toInput(e));
    List<Embedding> out = model.embedBatch(in);
    List<float[]> vectors = new ArrayList<>(out.size());
    for (Embedding e : out) vectors.add(e.vector());
    return vectors;
  }

  static Input toInput(EmbedInput e) {
    if (e.image() == null) return Input.text(e.text());
    Input.Image img = Input.image(e.image());
    return e.text() == null ? img : Input.composed(img, e.text());
  }
}
