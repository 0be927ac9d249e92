package dev.bgevl;

/**
 * One embedding.
 *
 * @param vector the L2-normalized embedding (score = dot product)
 * @param raw the unnormalized features: text_features, image_features, or for a composed input
 *     their sum (what is normalized)
 * @param truncated the text was longer than the model's positions and was cut to fit (BOS, the
 *     first tokens, EOS), as transformers does with {@code truncation=True}
 */
public record Embedding(float[] vector, float[] raw, boolean truncated) {
  public int dim() {
    return vector.length;
  }

  /** Dot product with another embedding of the same model: cosine similarity. */
  public float score(Embedding other) {
    if (other.vector.length != vector.length) {
      throw new IllegalArgumentException("dimension mismatch: " + vector.length + " vs " + other.vector.length);
    }
    double s = 0;
    for (int i = 0; i < vector.length; i++) {
      s += (double) vector[i] * other.vector[i];
    }
    return (float) s;
  }
}
