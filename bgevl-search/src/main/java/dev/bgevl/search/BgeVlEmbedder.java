package dev.bgevl.search;

import dev.bgevl.BgeVl;
import dev.bgevl.Embedding;
import dev.bgevl.Input;
import java.util.ArrayList;
import java.util.List;

/** The {@link Embedder} backed by a loaded {@link BgeVl} model (which stays owned by the caller). */
public final class BgeVlEmbedder implements Embedder {
  private final BgeVl model;

  public BgeVlEmbedder(BgeVl model) {
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
