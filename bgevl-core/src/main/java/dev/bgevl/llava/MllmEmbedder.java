package dev.bgevl.llava;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bgevl.BgeVlException;
import dev.bgevl.Embedding;
import dev.bgevl.tensor.Ops;
import dev.bgevl.tokenize.Encoding;
import dev.bgevl.tokenize.LlamaTokenizer;
import dev.bgevl.weights.Weights;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * BGE-VL-MLLM (LLaVA-NeXT + Mistral) embeddings: prompt → Llama tokens (for an image input the
 * {@code <image>} placeholder replaced by the packed any-resolution image features) → Mistral decoder →
 * final-norm hidden state of the last prompt token ({@code ]} of {@code [/INST]}) → L2-normalized.
 *
 * <p>Thread-safe after load; {@link #close} unmaps the weights.
 */
public final class MllmEmbedder implements AutoCloseable {
  /** One text input: its role, the query instruction (nullable) and the text. */
  public record TextInput(MllmRole role, String instruction, String text) {
    public TextInput {
      if (role == null || text == null) {
        throw new IllegalArgumentException("an MLLM text input needs a role and a text");
      }
    }
  }

  /**
   * An input with an image: its role, the query instruction (nullable), an optional text, and the
   * encoded image. {@code bgeResize}: BGE-VL-MLLM's 512×512 pre-resize in the file's Pillow mode
   * (the reference's default) before LLaVA-NeXT's any-resolution tiling.
   */
  public record ImageInput(MllmRole role, String instruction, String text, byte[] image, String imageName,
      boolean bgeResize) {
    public ImageInput {
      if (role == null || image == null) {
        throw new IllegalArgumentException("an MLLM image input needs a role and image bytes");
      }
    }
  }

  private final Path dir;
  private final Weights weights;
  private final LlamaTokenizer tokenizer;
  private final MistralModel model;
  private final int imageTokenIndex;

  private MllmEmbedder(Path dir, Weights weights, LlamaTokenizer tokenizer, MistralModel model,
      int imageTokenIndex) {
    this.dir = dir;
    this.weights = weights;
    this.tokenizer = tokenizer;
    this.model = model;
    this.imageTokenIndex = imageTokenIndex;
  }

  /** Loads config.json, tokenizer.json and the (sharded) safetensors of a LLaVA-NeXT folder. */
  public static MllmEmbedder load(Path dir) {
    Path cfgFile = dir.resolve("config.json");
    if (!Files.isRegularFile(cfgFile)) {
      throw new BgeVlException(cfgFile + ": missing (not a model folder)");
    }
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(cfgFile.toFile());
    } catch (IOException e) {
      throw new BgeVlException(cfgFile + ": cannot read: " + e.getMessage(), e);
    }
    boolean llava = root.path("text_config").isObject() || "llava_next".equals(root.path("model_type").asText());
    MistralConfig cfg;
    try {
      cfg = MistralConfig.from(llava ? root.path("text_config") : root, llava);
    } catch (BgeVlException e) {
      throw new BgeVlException(cfgFile + ": " + e.getMessage(), e);
    }
    int imageToken = root.path("image_token_index").asInt(32000);
    LlamaTokenizer tok = LlamaTokenizer.load(dir);
    if (tok.vocabSize() > cfg.vocabSize()) {
      throw new BgeVlException(dir + ": tokenizer has " + tok.vocabSize()
          + " ids but the model's vocab_size is " + cfg.vocabSize());
    }
    Weights w = Weights.open(dir);
    try {
      String prefix = null;
      for (String p : new String[] {"language_model.model.", "model.language_model.",
          "language_model.", "model."}) {
        if (w.has(p + "embed_tokens.weight")) {
          prefix = p;
          break;
        }
      }
      if (prefix == null) {
        throw new BgeVlException(dir + ": no 'language_model.model.embed_tokens.weight' (or"
            + " 'language_model.embed_tokens.weight') tensor: not a LLaVA-NeXT/Mistral checkpoint");
      }
      return new MllmEmbedder(dir, w, tok, new MistralModel(cfg, w, prefix), imageToken);
    } catch (RuntimeException e) {
      w.close();
      throw e;
    }
  }

  public MistralConfig textConfig() {
    return model.config();
  }

  public LlamaTokenizer tokenizer() {
    return tokenizer;
  }

  public int dim() {
    return model.config().hiddenSize();
  }

  /** The prompt of a text input (see {@link MllmPrompts}). */
  public static String prompt(TextInput in) {
    return MllmPrompts.prompt(in.role(), in.role() == MllmRole.QUERY ? in.instruction() : null,
        in.text(), false);
  }

  /** The token ids of a text input's prompt (BOS first), checked against the model's limits. */
  public int[] inputIds(TextInput in) {
    String prompt = prompt(in);
    Encoding e = tokenizer.encode(prompt);
    int[] ids = e.ids();
    for (int id : ids) {
      if (id == imageTokenIndex) {
        throw new BgeVlException("text '" + abbreviate(in.text()) + "': contains '<image>', the image placeholder"
            + " token, but no image was given (send the image as an image input, or drop the literal)");
      }
    }
    int max = model.config().maxTokens();
    if (ids.length > max) {
      throw new BgeVlException("MLLM input of " + ids.length + " tokens exceeds the model's "
          + max + " positions (text starting '" + abbreviate(in.text()) + "')");
    }
    return ids;
  }

  private static String abbreviate(String s) {
    String one = s.replaceAll("\\s+", " ");
    return one.length() <= 40 ? one : one.substring(0, 40) + "…";
  }

  public Embedding embed(TextInput in) {
    return embedBatch(List.of(in)).getFirst();
  }

  /** Embeds texts together (one padded batch); results equal one-at-a-time encoding. */
  public List<Embedding> embedBatch(List<TextInput> inputs) {
    if (inputs.isEmpty()) {
      return List.of();
    }
    int[][] ids = new int[inputs.size()][];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = inputIds(inputs.get(i));
    }
    float[][] last = model.lastHidden(ids);
    List<Embedding> out = new ArrayList<>(last.length);
    for (float[] raw : last) {
      float[] v = raw.clone();
      Ops.l2Normalize(v, 0, v.length);
      out.add(new Embedding(v, raw, false));
    }
    return out;
  }

  /**
   * Embeds an image (optionally with a text): the prompt's {@code <image>} placeholder is replaced by
   * the packed LLaVA-NeXT image features before the decoder runs.
   */
  public Embedding embed(ImageInput in, dev.bgevl.image.ImageLimits limits) {
    return embedImages(List.of(in), limits).getFirst();
  }

  /** Embeds image inputs as one right-padded decoder batch; results equal one-by-one embedding. */
  public List<Embedding> embedImages(List<ImageInput> inputs, dev.bgevl.image.ImageLimits limits) {
    float[][] embeds = new float[inputs.size()][];
    for (int i = 0; i < embeds.length; i++) {
      embeds[i] = inputsEmbeds(inputs.get(i), limits);
    }
    List<Embedding> out = new ArrayList<>(embeds.length);
    if (embeds.length == 0) {
      return out;
    }
    for (float[] raw : model.lastHiddenFromEmbeddings(embeds)) {
      float[] v = raw.clone();
      Ops.l2Normalize(v, 0, v.length);
      out.add(new Embedding(v, raw, false));
    }
    return out;
  }

  /** {@code inputs_embeds} of one image input: prompt token rows with the packed image features merged in. */
  private float[] inputsEmbeds(ImageInput in, dev.bgevl.image.ImageLimits limits) {
    String name = in.imageName() == null ? "<image>" : in.imageName();
    dev.bgevl.image.RgbImage rgb = in.bgeResize()
        ? LlavaImageProcessor.bgePreResize(in.image(), name, limits)
        : dev.bgevl.image.ImageDecoder.decode(in.image(), name, limits);
    LlavaImageProcessor.Tiles tiles = imageProcessor().preprocess(rgb);
    int h = model.config().hiddenSize();
    String prompt = MllmPrompts.prompt(in.role(), in.role() == MllmRole.QUERY ? in.instruction() : null, in.text(), true);
    int[] ids = tokenizer.encode(prompt).ids();
    // placeholders and length are checked from the geometry, before the (costly) vision tower runs
    int count = imageProcessor().numImageTokens(tiles.height(), tiles.width(), visionFeatures().visionConfig().patchSize());
    ImageMerge.Layout layout = ImageMerge.layout(ids, imageTokenIndex, new int[] {count}, model.config().maxTokens(), name);
    float[] image = visionFeatures().imageEmbeddings(tiles);
    if (image.length != count * h) {
      throw new IllegalStateException(name + ": packed " + image.length / h + " image vectors, geometry says " + count);
    }
    return ImageMerge.merge(layout, model.embedTokens(ids), new float[][] {image}, h);
  }

  private volatile LlavaImageProcessor imageProcessor;
  private volatile LlavaVisionFeatures visionFeatures;

  /** The image side is loaded on first use, so text-only users do not pay for the vision tower. */
  private LlavaImageProcessor imageProcessor() {
    LlavaImageProcessor p = imageProcessor;
    if (p == null) {
      synchronized (this) {
        if (imageProcessor == null) {
          imageProcessor = LlavaImageProcessor.load(dir);
        }
        p = imageProcessor;
      }
    }
    return p;
  }

  private LlavaVisionFeatures visionFeatures() {
    LlavaVisionFeatures f = visionFeatures;
    if (f == null) {
      synchronized (this) {
        if (visionFeatures == null) {
          visionFeatures = LlavaVisionFeatures.load(dir);
        }
        f = visionFeatures;
      }
    }
    return f;
  }

  /** The model folder. */
  public Path folder() {
    return dir;
  }

  @Override
  public void close() {
    weights.close();
  }
}
