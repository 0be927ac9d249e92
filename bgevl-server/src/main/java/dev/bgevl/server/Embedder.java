package dev.bgevl.server;

import dev.bgevl.BgeVl;
import dev.bgevl.Embedding;
import dev.bgevl.Input;
import java.util.List;

/**
 * What the server needs from a model: embed a batch of inputs in order, count a text's tokens, and
 * say which model it is. {@link #of(BgeVl)} adapts the library; tests may supply their own.
 * Implementations must be thread-safe.
 */
public interface Embedder {
  /** Embeddings for {@code inputs}, in order; a user error is a {@link dev.bgevl.BgeVlException}. */
  List<Embedding> embed(List<Input> inputs);

  /** Number of tokens the model sees for {@code text} (BOS and EOS included, after truncation). */
  int tokenCount(String text);

  String modelId();

  int dim();

  static Embedder of(BgeVl model) {
    return new Embedder() {
      @Override
      public List<Embedding> embed(List<Input> inputs) {
        return model.embedBatch(inputs);
      }

      @Override
      public int tokenCount(String text) {
        return model.tokenize(text).ids().length;
      }

      @Override
      public String modelId() {
        return model.modelId();
      }

      @Override
      public int dim() {
        return model.dim();
      }
    };
  }
}
