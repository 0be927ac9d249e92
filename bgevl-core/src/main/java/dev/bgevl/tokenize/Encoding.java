package dev.bgevl.tokenize;

/**
 * One tokenized text: ids with BOS and EOS, their token strings, and whether the text was cut to
 * the model's maximum length (BOS + the first max−2 tokens + EOS).
 */
public record Encoding(int[] ids, String[] tokens, boolean truncated) {
  public int length() {
    return ids.length;
  }
}
