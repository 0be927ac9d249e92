package dev.bgevl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A loaded embedding model of either family: BGE-VL-CLIP ({@link BgeVl}) or BGE-VL-MLLM
 * ({@link dev.bgevl.llava.MllmModel}). What search, ingestion and the server use, so that one code
 * path serves both. {@link #load} picks the family from the folder's {@code config.json}.
 *
 * <p>Roles: unmarked inputs are documents (BGE-VL-MLLM's candidate prompt); inputs wrapped with
 * {@link Input#query} are queries. Thread-safe after loading.
 */
public interface EmbeddingModel extends AutoCloseable {
  /** The model families. */
  enum Family {
    CLIP("BGE-VL-CLIP"), MLLM("BGE-VL-MLLM");

    private final String label;

    Family(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }
  }

  /** The id recorded in indexes (e.g. {@code BAAI/BGE-VL-base} or the folder name). */
  String modelId();

  /** Embedding dimension. */
  int dim();

  Family family();

  /**
   * Embeds inputs of any kinds, documents and {@link Input#query queries} mixed, in order; equals
   * one-by-one embedding.
   *
   * @throws BgeVlException naming the first input that cannot be read or encoded
   */
  List<Embedding> embedBatch(List<? extends Input> inputs);

  default Embedding embed(Input input) {
    return embedBatch(List.of(input)).get(0);
  }

  /** Tokens the model's tokenizer gives {@code text} on its own (BOS/EOS included), for usage counts. */
  int tokenCount(String text);

  /** Releases the weights (memory maps). */
  @Override
  void close();

  /** Loads a local model folder of either family with default options. */
  static EmbeddingModel load(Path modelDir) {
    return load(modelDir, BgeVl.Options.defaults());
  }

  /**
   * Loads a local model folder: a LLaVA-NeXT {@code config.json} ({@code model_type} {@code llava_next})
   * gives BGE-VL-MLLM, anything else BGE-VL-CLIP. {@code options}' model id,
   * image limits and batch size apply to both; the text overflow policy to CLIP only (an MLLM prompt
   * longer than the model's positions is always an error).
   */
  static EmbeddingModel load(Path modelDir, BgeVl.Options options) {
    if (!Files.isDirectory(modelDir)) {
      throw new BgeVlException(modelDir + ": model folder not found");
    }
    return isMllm(modelDir) ? dev.bgevl.llava.MllmModel.load(modelDir, options) : BgeVl.load(modelDir, options);
  }

  /** Whether {@code modelDir/config.json} describes a LLaVA-NeXT (BGE-VL-MLLM) model. */
  static boolean isMllm(Path modelDir) {
    try {
      JsonNode cfg = new ObjectMapper().readTree(modelDir.resolve("config.json").toFile());
      return cfg != null && "llava_next".equals(cfg.path("model_type").asText(""));
    } catch (IOException e) {
      return false; // the CLIP loader reports a missing or unreadable config with its own message
    }
  }

  /** {@code ORG/NAME} for a folder inside a Hugging Face hub cache, else the folder's name. */
  static String deriveModelId(Path dir) {
    return BgeVl.deriveModelId(dir);
  }
}
