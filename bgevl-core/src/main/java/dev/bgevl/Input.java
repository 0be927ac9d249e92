package dev.bgevl;

import dev.bgevl.image.ImageDecoder;
import dev.bgevl.image.ImageLimits;
import dev.bgevl.image.RgbImage;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.Objects;

/**
 * What can be embedded: a text, an image, or both (a composed "this picture, but …" query, whose
 * embedding is normalize(text_features + image_features) for BGE-VL-CLIP). Any of them may be marked
 * as a {@link Query}: BGE-VL-MLLM embeds queries and candidates with different prompts (unmarked
 * inputs are candidates), BGE-VL-CLIP embeds both alike.
 */
public sealed interface Input permits Input.Text, Input.Image, Input.Composed, Input.Query {

  /** A text query or document. */
  static Text text(String text) {
    return new Text(text);
  }

  /** An image file (any format the decoder reads; relative paths resolve against the working directory). */
  static Image image(Path path) {
    return new Image(Objects.requireNonNull(path, "path"), null, null, path.toString());
  }

  /** An encoded image held in memory; {@code name} appears in error messages. */
  static Image image(byte[] bytes, String name) {
    return new Image(null, Objects.requireNonNull(bytes, "bytes"), null, name == null ? "<bytes>" : name);
  }

  /** An already decoded image (its RGB samples are used as they are). */
  static Image image(BufferedImage image) {
    return new Image(null, null, Objects.requireNonNull(image, "image"), "<BufferedImage>");
  }

  /** An image plus a text: embedded as normalize(text_features + image_features). */
  static Composed composed(Image image, String text) {
    return new Composed(image, text);
  }

  /**
   * {@code input} as a query. {@code instruction}: the task instruction of a BGE-VL-MLLM query, or
   * null for the model's default (BGE-VL-MLLM: the README's composed-image-retrieval instruction for
   * an image plus a text, none otherwise); BGE-VL-CLIP takes no instruction and refuses one.
   */
  static Query query(Input input, String instruction) {
    return new Query(input, instruction);
  }

  /** A human-readable name for error messages. */
  String describe();

  /** The input without its {@link Query} mark. */
  default Input content() {
    return this instanceof Query q ? q.input() : this;
  }

  record Text(String text) implements Input {
    public Text {
      Objects.requireNonNull(text, "text");
    }

    @Override
    public String describe() {
      String t = text.length() > 60 ? text.substring(0, 57) + "..." : text;
      return "text \"" + t.replace("\n", "\\n") + "\"";
    }
  }

  /** Exactly one of path, bytes or buffered is set. */
  record Image(Path path, byte[] bytes, BufferedImage buffered, String name) implements Input {
    public Image {
      int set = (path != null ? 1 : 0) + (bytes != null ? 1 : 0) + (buffered != null ? 1 : 0);
      if (set != 1) {
        throw new IllegalArgumentException("an image input needs exactly one of path, bytes or BufferedImage");
      }
    }

    /** Decodes to RGB the way Pillow's {@code Image.open(p).convert("RGB")} does. */
    public RgbImage decode(ImageLimits limits) {
      if (path != null) {
        return ImageDecoder.decode(path, limits);
      }
      if (bytes != null) {
        return ImageDecoder.decode(bytes, name, limits);
      }
      return ImageDecoder.fromBufferedImage(buffered);
    }

    @Override
    public String describe() {
      return "image " + name;
    }
  }

  record Composed(Image image, String text) implements Input {
    public Composed {
      Objects.requireNonNull(image, "image");
      Objects.requireNonNull(text, "text");
    }

    @Override
    public String describe() {
      return image.describe() + " + " + new Text(text).describe();
    }
  }

  /** An input embedded as a query (see {@link Input#query}); {@code instruction} nullable. */
  record Query(Input input, String instruction) implements Input {
    public Query {
      Objects.requireNonNull(input, "input");
      if (input instanceof Query) {
        throw new IllegalArgumentException("an input is marked as a query once");
      }
    }

    @Override
    public String describe() {
      return input.describe();
    }
  }
}
