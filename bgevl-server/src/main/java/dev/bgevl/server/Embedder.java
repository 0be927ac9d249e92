package dev.bgevl.server;

import dev.bgevl.Embedding;
import dev.bgevl.EmbeddingModel;
import dev.bgevl.Input;
import java.util.List;

/**
 * What the server needs from a model: embed a batch of inputs in order, count a text's tokens, and
 * say which model it is. {@link #of(EmbeddingModel)} adapts the library (BGE-VL-CLIP or -MLLM); tests
 * may supply their own. Inputs marked with {@link Input#query} are queries (BGE-VL-MLLM prompts them
 * differently), the others documents. Implementations must be thread-safe.
 */
public interface Embedder {
  /** Embeddings for {@code inputs}, in order; a user error is a {@link dev.bgevl.BgeVlException}. */
  List<Embedding> embed(List<Input> inputs);

  /** Number of tokens the model sees for {@code text} (BOS and EOS included, after truncation). */
  int tokenCount(String text);

  String modelId();

  int dim();

  /** Whether queries may carry a task instruction (BGE-VL-MLLM). */
  default boolean takesInstructions() {
    return false;
  }

  static Embedder of(EmbeddingModel model) {
    return new Embedder() {
      @Override
      public List<Embedding> embed(List<Input> inputs) {
        return model.embedBatch(inputs);
      }

      @Override
      public int tokenCount(String text) {
        return model.tokenCount(text);
      }

      @Override
      public boolean takesInstructions() {
        return model.family() == EmbeddingModel.Family.MLLM;
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
