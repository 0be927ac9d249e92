package dev.bgevl.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bgevl.clip.ClipConfig;
import dev.bgevl.clip.ClipModel;
import dev.bgevl.weights.Weights;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code bgevl info}: what a model folder holds. */
@Command(name = "info", mixinStandardHelpOptions = true,
    description = "Print a model's architecture, dimensions, stored dtype and parameter count.")
final class InfoCommand implements Callable<Integer> {
  @Option(names = "--model", required = true, paramLabel = "MODEL",
      description = "Model folder (Hugging Face layout) or hub repo id.")
  String model;

  @Option(names = "--json", description = "Print one JSON object instead of text.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    Path dir = ModelLocator.resolve(model);
    if (ModelLocator.isMllm(dir)) {
      return mllmInfo(dir);
    }
    ClipModel m = ClipModel.load(dir);
    ClipConfig c = m.config();
    ObjectMapper mapper = new ObjectMapper();
    ObjectNode o = mapper.createObjectNode();
    o.put("model", model);
    o.put("folder", dir.toAbsolutePath().toString());
    o.put("architecture", "CLIPModel (BGE-VL-CLIP)");
    o.put("embedding_dim", c.projectionDim());
    o.put("stored_dtype", m.storedDType().toString());
    o.put("compute_dtype", "F32");
    o.put("parameters", m.parameterCount());
    ObjectNode v = o.putObject("vision");
    v.put("hidden_size", c.vision().hiddenSize());
    v.put("layers", c.vision().numHiddenLayers());
    v.put("heads", c.vision().numAttentionHeads());
    v.put("intermediate_size", c.vision().intermediateSize());
    v.put("image_size", c.vision().imageSize());
    v.put("patch_size", c.vision().patchSize());
    v.put("tokens", c.vision().numPositions());
    v.put("hidden_act", c.vision().hiddenAct().name().toLowerCase());
    ObjectNode t = o.putObject("text");
    t.put("hidden_size", c.text().hiddenSize());
    t.put("layers", c.text().numHiddenLayers());
    t.put("heads", c.text().numAttentionHeads());
    t.put("intermediate_size", c.text().intermediateSize());
    t.put("vocab_size", c.text().vocabSize());
    t.put("max_tokens", c.text().maxPositionEmbeddings());
    t.put("hidden_act", c.text().hiddenAct().name().toLowerCase());
    t.put("pooling", c.text().legacyArgmaxPooling() ? "argmax(input_ids) (legacy eos_token_id 2)" : "first eos_token_id " + c.text().eosTokenId());
    try (Weights w = Weights.open(dir)) {
      o.put("tensors", w.tensors().size());
    }
    if (json) {
      System.out.println(mapper.writeValueAsString(o));
    } else {
      System.out.printf("model         %s%n", model);
      System.out.printf("folder        %s%n", o.get("folder").asText());
      System.out.printf("architecture  %s%n", o.get("architecture").asText());
      System.out.printf("embedding     %d-d, L2-normalized, score = dot product%n", c.projectionDim());
      System.out.printf("weights       %s stored, F32 compute, %,d parameters in %d tensors%n", m.storedDType(), m.parameterCount(), o.get("tensors").asInt());
      System.out.printf("vision        ViT %d px, patch %d (%d tokens), %d layers, hidden %d, %d heads, MLP %d, %s%n",
          c.vision().imageSize(), c.vision().patchSize(), c.vision().numPositions(), c.vision().numHiddenLayers(),
          c.vision().hiddenSize(), c.vision().numAttentionHeads(), c.vision().intermediateSize(), t.get("hidden_act").asText().isEmpty() ? "" : v.get("hidden_act").asText());
      System.out.printf("text          %d tokens max, vocab %d, %d layers, hidden %d, %d heads, MLP %d, %s, pooling %s%n",
          c.text().maxPositionEmbeddings(), c.text().vocabSize(), c.text().numHiddenLayers(), c.text().hiddenSize(),
          c.text().numAttentionHeads(), c.text().intermediateSize(), t.get("hidden_act").asText(), t.get("pooling").asText());
    }
    return 0;
  }

  private int mllmInfo(Path dir) throws Exception {
    try (dev.bgevl.llava.MllmEmbedder m = dev.bgevl.llava.MllmEmbedder.load(dir)) {
      dev.bgevl.llava.MistralConfig c = m.textConfig();
      ObjectMapper mapper = new ObjectMapper();
      ObjectNode o = mapper.createObjectNode();
      o.put("model", model);
      o.put("folder", dir.toAbsolutePath().toString());
      o.put("architecture", "LlavaNextForConditionalGeneration (BGE-VL-MLLM), Mistral decoder");
      o.put("embedding_dim", m.dim());
      o.put("decoder_parameters", c.parameters());
      o.put("layers", c.numHiddenLayers());
      o.put("hidden_size", c.hiddenSize());
      o.put("heads", c.numAttentionHeads());
      o.put("kv_heads", c.numKeyValueHeads());
      o.put("intermediate_size", c.intermediateSize());
      o.put("vocab_size", c.vocabSize());
      o.put("max_tokens", c.maxTokens());
      o.put("rope_theta", c.ropeTheta());
      o.put("inputs", "text, image and composed queries and candidates");
      if (json) {
        System.out.println(mapper.writeValueAsString(o));
      } else {
        o.fields().forEachRemaining(e -> System.out.printf("%-18s %s%n", e.getKey(), e.getValue().asText()));
      }
      return 0;
    }
  }
}
