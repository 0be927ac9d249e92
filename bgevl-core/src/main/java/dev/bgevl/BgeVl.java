package dev.bgevl;

import dev.bgevl.clip.ClipModel;
import dev.bgevl.image.ClipImageProcessor;
import dev.bgevl.image.ImageLimits;
import dev.bgevl.image.RgbImage;
import dev.bgevl.tensor.Ops;
import dev.bgevl.tokenize.ClipTokenizer;
import dev.bgevl.tokenize.Encoding;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A loaded BGE-VL-CLIP model (BGE-VL-base or -large): the library's entry point.
 *
 * <pre>{@code
 * try (BgeVl model = BgeVl.load(Path.of("BGE-VL-base"))) {
 *   Embedding q = model.embed(Input.composed(Input.image(Path.of("query.jpg")), "make it red"));
 *   Embedding d = model.embed(Input.image(Path.of("candidate.jpg")));
 *   float score = q.score(d);
 * }
 * }</pre>
 *
 * <p>Semantics (BGE-VL's encode rules): an image gives normalize(image_features), a text
 * normalize(text_features), an image plus text normalize(text_features + image_features).
 *
 * <p>Thread safety: load once and share. Every method may be called from any number of threads at
 * once; calls share the kernel thread pool (sized to the cores), so concurrency beyond that adds
 * latency, not throughput. {@link #embedBatch} equals one-by-one {@link #embed} results (within
 * 1e-6).
 */
public final class BgeVl implements EmbeddingModel {

  /** What to do with a text longer than the model's positions (77 for CLIP). */
  public enum TextOverflow {
    /** Keep BOS, the first tokens and EOS (transformers' {@code truncation=True}); the embedding says so. */
    TRUNCATE,
    /** Refuse the text with a one-line error. */
    ERROR
  }

  /**
   * Load and run options.
   *
   * @param modelId the id recorded in indexes; null derives it from the folder (hub cache folders
   *     give {@code ORG/NAME})
   * @param textOverflow long texts: truncate (default) or fail
   * @param imageLimits pixel and file-size limits for decoding
   * @param maxBatch most inputs run through a tower at once; larger batches are processed in chunks
   *     of this size to keep activations in cache (default 8)
   */
  public record Options(String modelId, TextOverflow textOverflow, ImageLimits imageLimits, int maxBatch) {
    public Options {
      Objects.requireNonNull(textOverflow, "textOverflow");
      Objects.requireNonNull(imageLimits, "imageLimits");
      if (maxBatch < 1) {
        throw new IllegalArgumentException("maxBatch must be at least 1, got " + maxBatch);
      }
    }

    public static Options defaults() {
      return new Options(null, TextOverflow.TRUNCATE, ImageLimits.defaults(), 8);
    }

    public Options withModelId(String id) {
      return new Options(id, textOverflow, imageLimits, maxBatch);
    }

    public Options withTextOverflow(TextOverflow o) {
      return new Options(modelId, o, imageLimits, maxBatch);
    }

    public Options withImageLimits(ImageLimits l) {
      return new Options(modelId, textOverflow, l, maxBatch);
    }

    public Options withMaxBatch(int n) {
      return new Options(modelId, textOverflow, imageLimits, n);
    }
  }

  private final Path folder;
  private final String modelId;
  private final Options options;
  private final ClipModel model;
  private final ClipTokenizer tokenizer;
  private final ClipImageProcessor imageProcessor;

  private BgeVl(Path folder, String modelId, Options options, ClipModel model, ClipTokenizer tokenizer,
      ClipImageProcessor imageProcessor) {
    this.folder = folder;
    this.modelId = modelId;
    this.options = options;
    this.model = model;
    this.tokenizer = tokenizer;
    this.imageProcessor = imageProcessor;
  }

  /** Loads a local Hugging Face model folder with default options. */
  public static BgeVl load(Path modelDir) {
    return load(modelDir, Options.defaults());
  }

  /**
   * Loads a local model folder or a Hugging Face repo id ({@code BAAI/BGE-VL-base}), which is
   * downloaded into (or read from) the standard hub cache: see {@link dev.bgevl.hub.HubModels}.
   */
  public static BgeVl load(String modelOrRepoId) {
    return load(dev.bgevl.hub.HubModels.resolve(modelOrRepoId), Options.defaults());
  }

  /** Loads a local Hugging Face model folder. */
  public static BgeVl load(Path modelDir, Options options) {
    if (!Files.isDirectory(modelDir)) {
      throw new BgeVlException(modelDir + ": model folder not found");
    }
    ClipModel model = ClipModel.load(modelDir);
    ClipTokenizer tokenizer = ClipTokenizer.load(modelDir);
    ClipImageProcessor processor = ClipImageProcessor.load(modelDir);
    int side = model.config().vision().imageSize();
    if (processor.cropHeight() != side || processor.cropWidth() != side) {
      throw new BgeVlException(modelDir + ": preprocessor_config.json crops to " + processor.cropHeight() + "×"
          + processor.cropWidth() + " but the vision model takes " + side + "×" + side);
    }
    String id = options.modelId() != null ? options.modelId() : deriveModelId(modelDir);
    return new BgeVl(modelDir, id, options, model, tokenizer, processor);
  }

  /** {@code ORG/NAME} for a folder inside a Hugging Face hub cache, else the folder's name. */
  static String deriveModelId(Path dir) {
    Path abs = dir.toAbsolutePath().normalize();
    for (Path p = abs; p != null && p.getFileName() != null; p = p.getParent()) {
      String name = p.getFileName().toString();
      if (name.startsWith("models--") && p.getParent() != null) {
        return name.substring("models--".length()).replace("--", "/");
      }
    }
    return abs.getFileName() == null ? abs.toString() : abs.getFileName().toString();
  }

  /** Embeds one input. */
  @Override
  public Embedding embed(Input input) {
    return embedBatch(List.of(input)).get(0);
  }

  /**
   * Embeds inputs of any kinds, in order. Images go through the vision tower and texts through the
   * text tower in chunks of {@link Options#maxBatch}; the result equals one-by-one embedding.
   * {@link Input#query Queries} embed as their content (CLIP has one encoder for both roles); a query
   * with an instruction is refused (BGE-VL-CLIP takes none).
   *
   * @throws BgeVlException naming the first input that cannot be read or encoded
   */
  @Override
  public List<Embedding> embedBatch(List<? extends Input> inputs) {
    int n = inputs.size();
    List<Input.Image> images = new ArrayList<>();
    int[] imageSlot = new int[n];
    List<String> texts = new ArrayList<>();
    int[] textSlot = new int[n];
    Arrays.fill(imageSlot, -1);
    Arrays.fill(textSlot, -1);
    for (int i = 0; i < n; i++) {
      Input in = Objects.requireNonNull(inputs.get(i), "inputs[" + i + "]");
      if (in instanceof Input.Query q && q.instruction() != null) {
        throw new BgeVlException(q.describe() + ": " + modelId + " is a BGE-VL-CLIP model, which takes no task"
            + " instruction (instructions are for BGE-VL-MLLM queries)");
      }
      switch (in.content()) {
        case Input.Text t -> {
          textSlot[i] = texts.size();
          texts.add(t.text());
        }
        case Input.Image im -> {
          imageSlot[i] = images.size();
          images.add(im);
        }
        case Input.Composed c -> {
          imageSlot[i] = images.size();
          images.add(c.image());
          textSlot[i] = texts.size();
          texts.add(c.text());
        }
        case Input.Query q -> throw new AssertionError("content() unwraps queries");
      }
    }
    Encoding[] encodings = new Encoding[texts.size()];
    for (int i = 0; i < encodings.length; i++) {
      encodings[i] = tokenize(texts.get(i));
    }
    float[][] pixels = new float[images.size()][];
    java.util.stream.IntStream.range(0, pixels.length).parallel()
        .forEach(i -> pixels[i] = pixelValues(images.get(i)));
    float[][] imageFeatures = imageFeaturesChunked(pixels);
    int[][] ids = new int[encodings.length][];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = encodings[i].ids();
    }
    float[][] textFeatures = textFeaturesChunked(ids);
    List<Embedding> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      int d = model.dim();
      float[] raw = new float[d];
      boolean truncated = false;
      if (textSlot[i] >= 0) {
        // composed = text_features + image_features, summed before normalizing (BGE-VL encode)
        System.arraycopy(textFeatures[textSlot[i]], 0, raw, 0, d);
        truncated = encodings[textSlot[i]].truncated();
      }
      if (imageSlot[i] >= 0) {
        Ops.add(raw, imageFeatures[imageSlot[i]], d);
      }
      float[] vec = raw.clone();
      Ops.l2Normalize(vec, 0, d);
      out.add(new Embedding(vec, raw, truncated));
    }
    return out;
  }

  /** Token ids (BOS … EOS) for a text, applying the overflow policy. */
  public Encoding tokenize(String text) {
    Encoding e = tokenizer.encode(text);
    if (e.truncated() && options.textOverflow() == TextOverflow.ERROR) {
      throw new BgeVlException(new Input.Text(text).describe() + " is longer than the model's "
          + model.config().text().maxPositionEmbeddings() + " token positions (truncation is disabled)");
    }
    return e;
  }

  /** The {@code pixel_values} (CHW float32) the vision tower sees for an image. */
  public float[] pixelValues(Input.Image image) {
    RgbImage rgb = image.decode(options.imageLimits());
    return imageProcessor.preprocess(rgb);
  }

  private float[][] imageFeaturesChunked(float[][] pixels) {
    float[][] out = new float[pixels.length][];
    for (int from = 0; from < pixels.length; from += options.maxBatch()) {
      int to = Math.min(pixels.length, from + options.maxBatch());
      float[][] f = model.vision().imageFeatures(Arrays.copyOfRange(pixels, from, to));
      System.arraycopy(f, 0, out, from, to - from);
    }
    return out;
  }

  private float[][] textFeaturesChunked(int[][] ids) {
    float[][] out = new float[ids.length][];
    for (int from = 0; from < ids.length; from += options.maxBatch()) {
      int to = Math.min(ids.length, from + options.maxBatch());
      float[][] f = model.text().textFeatures(Arrays.copyOfRange(ids, from, to));
      System.arraycopy(f, 0, out, from, to - from);
    }
    return out;
  }

  /** The id recorded in indexes (e.g. {@code BAAI/BGE-VL-base} or the folder name). */
  @Override
  public String modelId() {
    return modelId;
  }

  /** Embedding dimension ({@code projection_dim}). */
  @Override
  public int dim() {
    return model.dim();
  }

  @Override
  public Family family() {
    return Family.CLIP;
  }

  /** Tokens of {@code text} after the overflow policy (BOS and EOS included). */
  @Override
  public int tokenCount(String text) {
    return tokenize(text).ids().length;
  }

  public Path folder() {
    return folder;
  }

  public Options options() {
    return options;
  }

  /** The underlying encoder, for callers that bring their own tensors. */
  public ClipModel model() {
    return model;
  }

  public ClipTokenizer tokenizer() {
    return tokenizer;
  }

  public ClipImageProcessor imageProcessor() {
    return imageProcessor;
  }

  /** Weights live on the heap; closing releases nothing native today but keeps callers honest. */
  @Override
  public void close() {}
}
