package dev.bgevl.llava;

import dev.bgevl.BgeVl;
import dev.bgevl.BgeVlException;
import dev.bgevl.Embedding;
import dev.bgevl.EmbeddingModel;
import dev.bgevl.Input;
import dev.bgevl.image.ImageDecoder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * BGE-VL-MLLM behind the family-neutral {@link EmbeddingModel}: maps {@link Input}s to
 * {@link MllmEmbedder} inputs. Unmarked inputs are candidates; {@link Input#query} marks a query,
 * whose instruction defaults to {@link #CIR_INSTRUCTION} for an image plus a text (the model's
 * composed-image-retrieval use, as in its README) and to none (the reference's no-instruction
 * prompt) for a text or an image alone. Texts run as padded batches of up to
 * {@link BgeVl.Options#maxBatch()}, image inputs (≈ 2,900 tokens each at full size) in batches of at
 * most {@value #IMAGE_BATCH}; results equal one-by-one embedding.
 */
public final class MllmModel implements EmbeddingModel {
  /** BGE-VL-MLLM's README instruction for composed image retrieval (ends with ": "). */
  public static final String CIR_INSTRUCTION = "Retrieve the target image that best meets the combined criteria by"
      + " using both the provided image and the image retrieval instructions: ";
  /** Most image inputs per decoder batch (bounds activations at full size). */
  static final int IMAGE_BATCH = 2;

  private final MllmEmbedder embedder;
  private final String modelId;
  private final BgeVl.Options options;

  private MllmModel(MllmEmbedder embedder, String modelId, BgeVl.Options options) {
    this.embedder = embedder;
    this.modelId = modelId;
    this.options = options;
  }

  public static MllmModel load(Path dir, BgeVl.Options options) {
    Objects.requireNonNull(options, "options");
    MllmEmbedder e = MllmEmbedder.load(dir);
    return new MllmModel(e, options.modelId() != null ? options.modelId() : EmbeddingModel.deriveModelId(dir), options);
  }

  /** The instruction a query gets when it names none (see the class comment). */
  public static String defaultInstruction(Input content) {
    return content instanceof Input.Composed ? CIR_INSTRUCTION : null;
  }

  @Override
  public String modelId() {
    return modelId;
  }

  @Override
  public int dim() {
    return embedder.dim();
  }

  @Override
  public Family family() {
    return Family.MLLM;
  }

  /** The underlying engine (prompts, tokenizer, config). */
  public MllmEmbedder embedder() {
    return embedder;
  }

  public BgeVl.Options options() {
    return options;
  }

  @Override
  public int tokenCount(String text) {
    return embedder.tokenizer().encode(text).ids().length;
  }

  @Override
  public List<Embedding> embedBatch(List<? extends Input> inputs) {
    int n = inputs.size();
    List<MllmEmbedder.TextInput> texts = new ArrayList<>();
    List<MllmEmbedder.ImageInput> images = new ArrayList<>();
    int[] textSlot = new int[n];
    int[] imageSlot = new int[n];
    Arrays.fill(textSlot, -1);
    Arrays.fill(imageSlot, -1);
    for (int i = 0; i < n; i++) {
      Input in = Objects.requireNonNull(inputs.get(i), "inputs[" + i + "]");
      Input content = in.content();
      MllmRole role = in instanceof Input.Query ? MllmRole.QUERY : MllmRole.CANDIDATE;
      String instruction = in instanceof Input.Query q
          ? (q.instruction() != null ? q.instruction() : defaultInstruction(content)) : null;
      switch (content) {
        case Input.Text t -> {
          textSlot[i] = texts.size();
          texts.add(new MllmEmbedder.TextInput(role, instruction, t.text()));
        }
        case Input.Image im -> {
          imageSlot[i] = images.size();
          images.add(imageInput(role, instruction, null, im));
        }
        case Input.Composed c -> {
          imageSlot[i] = images.size();
          images.add(imageInput(role, instruction, c.text(), c.image()));
        }
        case Input.Query q -> throw new AssertionError("content() unwraps queries");
      }
    }
    List<Embedding> textOut = new ArrayList<>(texts.size());
    for (int from = 0; from < texts.size(); from += options.maxBatch()) {
      textOut.addAll(embedder.embedBatch(texts.subList(from, Math.min(texts.size(), from + options.maxBatch()))));
    }
    List<Embedding> imageOut = new ArrayList<>(images.size());
    int chunk = Math.min(IMAGE_BATCH, options.maxBatch());
    for (int from = 0; from < images.size(); from += chunk) {
      imageOut.addAll(embedder.embedImages(images.subList(from, Math.min(images.size(), from + chunk)), options.imageLimits()));
    }
    List<Embedding> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(textSlot[i] >= 0 ? textOut.get(textSlot[i]) : imageOut.get(imageSlot[i]));
    }
    return out;
  }

  /** The encoded bytes an MLLM image input needs: the pre-resize runs in the file's Pillow mode. */
  private MllmEmbedder.ImageInput imageInput(MllmRole role, String instruction, String text, Input.Image im) {
    byte[] bytes;
    if (im.path() != null) {
      bytes = ImageDecoder.readFile(im.path(), options.imageLimits());
    } else if (im.bytes() != null) {
      bytes = im.bytes();
    } else {
      throw new BgeVlException(im.describe() + ": BGE-VL-MLLM needs the encoded image file (its 512×512 pre-resize"
          + " runs in the file's Pillow mode); pass a path or the file's bytes, not a decoded BufferedImage");
    }
    return new MllmEmbedder.ImageInput(role, instruction, text, bytes, im.name(), true);
  }

  @Override
  public void close() {
    embedder.close();
  }
}
