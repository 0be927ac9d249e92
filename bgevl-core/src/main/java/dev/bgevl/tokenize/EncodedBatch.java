package dev.bgevl.tokenize;

import java.util.List;

/**
 * Texts tokenized together and padded to the longest: {@code ids} and {@code attentionMask} are
 * row-major [batch, seqLen]; padding positions hold the pad id and mask 0, like Hugging Face's
 * {@code padding=True} (right padding).
 *
 * @param encodings each text's own (unpadded) encoding
 * @param ids [batch * seqLen]
 * @param attentionMask [batch * seqLen], 1 for real tokens, 0 for padding
 * @param lengths [batch] unpadded lengths
 */
public record EncodedBatch(List<Encoding> encodings, int batch, int seqLen, int[] ids, int[] attentionMask,
                           int[] lengths) {
  /** The padded ids of text b. */
  public int[] row(int b) {
    int[] r = new int[seqLen];
    System.arraycopy(ids, b * seqLen, r, 0, seqLen);
    return r;
  }

  public boolean truncated(int b) {
    return encodings.get(b).truncated();
  }

  public boolean anyTruncated() {
    for (Encoding e : encodings) if (e.truncated()) return true;
    return false;
  }
}
