package dev.bgevl.llava;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bgevl.BgeVlException;
import dev.bgevl.tensor.Ops;
import dev.bgevl.tokenize.LlamaTokenizer;
import dev.bgevl.weights.Weights;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * BGE-VL-MLLM embeddings: prompt ({@link MllmPrompts}) → ids ({@link LlamaTokenizer}) → token
 * embeddings, with the {@code <image>} token replaced by the image's feature vectors when there is
 * an image → {@link MistralModel} → final-norm hidden state of the last token → L2-normalized.
 *
 * <p>The image side (LLaVA-NeXT tiling, CLIP features, projector, packing with {@code image_newline})
 * produces the {@code imageFeatures} of an {@link Input}: {@code [n, hidden]} vectors in order.
 * Thread-safe.
 */
public final class MllmEmbedder {
  /** Packed rows per forward pass in {@link #embedBatch} (bounds the activation memory). */
  static final int MAX_BATCH_ROWS = 4096;

  private final LlamaTokenizer tokenizer;
  private final MistralModel model;
  private final int imageTokenIndex;

  /**
   * One input.
   *
   * @param text nullable
   * @param instruction nullable; queries only (null: the no-instruction prompt)
   * @param imageFeatures nullable; [n, hidden] vectors that replace {@code <image>}
   */
  public record Input(MllmPrompts.Role role, String text, String instruction, float[] imageFeatures) {
    public static Input query(String text, String instruction) {
      return new Input(MllmPrompts.Role.QUERY, text, instruction, null);
    }

    public static Input candidate(String text) {
      return new Input(MllmPrompts.Role.CANDIDATE, text, null, null);
    }
  }

  /**
   * @param embedding L2-normalized, [hidden]
   * @param lastHidden the final-norm hidden state before normalization, [hidden]
   * @param inputIds the prompt's ids before image expansion
   * @param sequenceLength tokens the decoder ran (after image expansion)
   */
  public record Result(float[] embedding, float[] lastHidden, int[] inputIds, int sequenceLength) {}

  public MllmEmbedder(LlamaTokenizer tokenizer, MistralModel model, int imageTokenIndex) {
    this.tokenizer = tokenizer;
    this.model = model;
    this.imageTokenIndex = imageTokenIndex;
  }

  /** Loads config.json, the tokenizer and the language-model weights of a BGE-VL-MLLM folder. */
  public static MllmEmbedder load(Path modelDir) {
    JsonNode config = readConfig(modelDir.resolve("config.json"));
    MistralConfig text = MistralConfig.fromJson(config);
    int imageToken = config.path("image_token_index").asInt(32000);
    LlamaTokenizer tokenizer = LlamaTokenizer.load(modelDir);
    try (Weights w = Weights.open(modelDir)) {
      return new MllmEmbedder(tokenizer, MistralModel.load(w, text), imageToken);
    }
  }

  public MistralModel model() {
    return model;
  }

  public LlamaTokenizer tokenizer() {
    return tokenizer;
  }

  public int dim() {
    return model.config().hiddenSize();
  }

  /** The ids of an input's prompt, before image expansion (BOS first). */
  public int[] inputIds(MllmPrompts.Role role, String text, boolean hasImage, String instruction) {
    return tokenizer.encode(MllmPrompts.prompt(role, text, hasImage, instruction));
  }

  public Result embed(Input in) {
    return embedBatch(List.of(in)).getFirst();
  }

  /** Embeds inputs; results equal one-by-one {@link #embed} (sequences are packed, not padded). */
  public List<Result> embedBatch(List<Input> inputs) {
    int hidden = dim();
    List<int[]> ids = new ArrayList<>(inputs.size());
    int[] lengths = new int[inputs.size()];
    for (int i = 0; i < inputs.size(); i++) {
      Input in = inputs.get(i);
      float[] img = in.imageFeatures();
      if (img != null && (img.length == 0 || img.length % hidden != 0)) {
        throw new BgeVlException("input " + i + ": image features have " + img.length
            + " values, not a positive multiple of the hidden size " + hidden);
      }
      int[] x = inputIds(in.role(), in.text(), img != null, in.instruction());
      int placeholders = 0;
      for (int id : x) if (id == imageTokenIndex) placeholders++;
      if (placeholders != (img == null ? 0 : 1)) {
        throw new BgeVlException("input " + i + ": the prompt holds " + placeholders + " image tokens for "
            + (img == null ? "no image" : "one image") + " (is '" + MllmPrompts.IMAGE_TOKEN + "' in the text?)");
      }
      ids.add(x);
      lengths[i] = x.length + (img == null ? 0 : img.length / hidden - 1);
      if (lengths[i] > model.config().maxPositionEmbeddings()) {
        throw new BgeVlException("input " + i + ": the prompt has " + lengths[i] + " tokens"
            + (img == null ? "" : " after image expansion") + ", more than max_position_embeddings "
            + model.config().maxPositionEmbeddings());
      }
    }
    List<Result> out = new ArrayList<>(inputs.size());
    int from = 0;
    while (from < inputs.size()) {
      int to = from;
      int rows = 0;
      while (to < inputs.size() && (to == from || rows + lengths[to] <= MAX_BATCH_ROWS)) rows += lengths[to++];
      float[] embeds = new float[rows * hidden];
      int row = 0;
      for (int i = from; i < to; i++) row = fill(ids.get(i), inputs.get(i).imageFeatures(), embeds, row);
      float[] last = model.lastHiddenStates(embeds, java.util.Arrays.copyOfRange(lengths, from, to));
      for (int i = from; i < to; i++) {
        float[] raw = java.util.Arrays.copyOfRange(last, (i - from) * hidden, (i - from + 1) * hidden);
        float[] e = raw.clone();
        Ops.l2Normalize(e, 0, hidden);
        out.add(new Result(e, raw, ids.get(i), lengths[i]));
      }
      from = to;
    }
    return out;
  }

  /** Writes the token embeddings of ids from row {@code row}, expanding {@code <image>}; returns the next row. */
  private int fill(int[] ids, float[] image, float[] embeds, int row) {
    int hidden = dim();
    for (int id : ids) {
      if (id == imageTokenIndex && image != null) {
        System.arraycopy(image, 0, embeds, row * hidden, image.length);
        row += image.length / hidden;
      } else {
        model.embedToken(id, embeds, row * hidden);
        row++;
      }
    }
    return row;
  }

  private static JsonNode readConfig(Path file) {
    try {
      return new ObjectMapper().readTree(Files.readString(file));
    } catch (NoSuchFileException e) {
      throw new BgeVlException(file + ": file not found (not a BGE-VL-MLLM model folder)");
    } catch (IOException e) {
      throw new BgeVlException(file + ": not valid JSON (" + e.getMessage().lines().findFirst().orElse("") + ")");
    }
  }
}
