package dev.bgevl.search;

import java.nio.file.Path;

/** An image file, a text, or both (a composed query or document: the image edited by the text). */
public record EmbedInput(Path image, String text) {
  public EmbedInput {
    if (image == null && text == null) throw new IllegalArgumentException("an input needs an image, a text or both");
  }

  public static EmbedInput image(Path p) {
    return new EmbedInput(p, null);
  }

  public static EmbedInput text(String t) {
    return new EmbedInput(null, t);
  }

  public static EmbedInput composed(Path image, String text) {
    return new EmbedInput(image, text);
  }

  public String kind() {
    return image == null ? "text" : text == null ? "image" : "composed";
  }

  public String describe() {
    return image == null ? "text \"" + abbreviate(text) + "\"" : text == null ? image.toString() : image + " + \"" + abbreviate(text) + "\"";
  }

  static String abbreviate(String s) {
    return s.length() <= 60 ? s : s.substring(0, 57) + "...";
  }
}
