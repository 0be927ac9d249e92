package dev.bgevl.cli;

import dev.bgevl.BgeVlException;
import dev.bgevl.hub.HubModels;
import java.nio.file.Files;
import java.nio.file.Path;

/** Turns a {@code --model} argument into a local model folder. */
final class ModelLocator {
  private ModelLocator() {}

  /** A local folder as is; a Hugging Face repo id (ORG/NAME[@REV]) through the hub cache, downloading if needed. */
  static Path resolve(String model) {
    Path p = Path.of(model);
    if (Files.isDirectory(p)) {
      return p;
    }
    if (HubModels.isRepoId(model)) {
      return HubModels.resolve(model);
    }
    throw new BgeVlException(model + ": model folder not found");
  }

  /** True for a BGE-VL-MLLM (LLaVA-NeXT) folder: config.json says {@code "model_type": "llava_next"}. */
  static boolean isMllm(Path dir) {
    return dev.bgevl.EmbeddingModel.isMllm(dir);
  }
}
