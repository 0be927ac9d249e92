package dev.bgevl.search;

import dev.bgevl.BgeVlException;
import java.util.Objects;

/**
 * A vector search request, built with {@link #builder(float[])}. The vector must have the index's
 * dim; it is L2-normalized here (so weighted sums from {@link #combine} and raw features both work).
 *
 * <pre>
 * Query q = Query.builder(vec).k(10).filter("color = \"red\" AND price &lt; 20").minScore(0.2f).build();
 * List&lt;Hit&gt; hits = index.searcher().search(q);
 * </pre>
 */
public final class Query {
  /** Default number of HNSW candidates examined (efSearch) when the caller does not set one. */
  public static final int DEFAULT_CANDIDATES = 100;

  private final float[] vector;
  private final int k;
  private final String filterExpr;
  private final org.apache.lucene.search.Query filter;
  private final boolean exact;
  private final float minScore;
  private final int candidates;

  private Query(Builder b) {
    this.vector = b.vector;
    this.k = b.k;
    this.filterExpr = b.filterExpr;
    this.filter = b.filter;
    this.exact = b.exact;
    this.minScore = b.minScore;
    this.candidates = b.candidates > 0 ? Math.max(b.candidates, b.k) : Math.max(DEFAULT_CANDIDATES, b.k);
  }

  public static Builder builder(float[] vector) {
    return new Builder(vector);
  }

  /**
   * Weighted query arithmetic (as rclip and Marqo do): sum of {@code weights[i] * vectors[i]}
   * (each vector L2-normalized first), renormalized. Negative weights subtract a concept.
   */
  public static float[] combine(float[][] vectors, float[] weights) {
    if (vectors.length == 0 || vectors.length != weights.length) {
      throw new IllegalArgumentException("need one weight per vector, got " + vectors.length + " vectors and " + weights.length + " weights");
    }
    int dim = vectors[0].length;
    double[] acc = new double[dim];
    for (int i = 0; i < vectors.length; i++) {
      if (vectors[i].length != dim) throw new IllegalArgumentException("query vectors differ in dim: " + dim + " vs " + vectors[i].length);
      double n = norm(vectors[i]);
      if (n == 0) continue;
      for (int j = 0; j < dim; j++) acc[j] += weights[i] * vectors[i][j] / n;
    }
    float[] out = new float[dim];
    double n = 0;
    for (double a : acc) n += a * a;
    n = Math.sqrt(n);
    if (n < 1e-6) throw new BgeVlException("the weighted query terms cancel out (the sum has length " + (float) n + "): change the weights");
    for (int j = 0; j < dim; j++) out[j] = (float) (acc[j] / n);
    return out;
  }

  static double norm(float[] v) {
    double s = 0;
    for (float x : v) s += (double) x * x;
    return Math.sqrt(s);
  }

  public float[] vector() {
    return vector;
  }

  public int k() {
    return k;
  }

  public String filterExpression() {
    return filterExpr;
  }

  public org.apache.lucene.search.Query filter() {
    return filter;
  }

  public boolean exact() {
    return exact;
  }

  public float minScore() {
    return minScore;
  }

  public int candidates() {
    return candidates;
  }

  public static final class Builder {
    private final float[] vector;
    private int k = 10;
    private String filterExpr;
    private org.apache.lucene.search.Query filter;
    private boolean exact;
    private float minScore = Float.NEGATIVE_INFINITY;
    private int candidates;

    private Builder(float[] v) {
      Objects.requireNonNull(v, "vector");
      double n = norm(v);
      if (!(n > 0) || !Double.isFinite(n)) throw new BgeVlException("query vector has length " + n + ": it cannot be normalized");
      this.vector = new float[v.length];
      for (int i = 0; i < v.length; i++) this.vector[i] = (float) (v[i] / n);
    }

    /** Number of results, 1 to 10,000 (default 10). */
    public Builder k(int k) {
      if (k < 1 || k > 10_000) throw new BgeVlException("k must be between 1 and 10000, got " + k);
      this.k = k;
      return this;
    }

    /** A filter in the {@link Filter} language; null or blank means none. */
    public Builder filter(String expr) {
      if (expr == null || expr.isBlank()) {
        this.filterExpr = null;
        this.filter = null;
      } else {
        this.filter = Filter.parse(expr);
        this.filterExpr = expr;
      }
      return this;
    }

    /** A filter as a Lucene query over the fields of {@link IndexFormat}. */
    public Builder filter(org.apache.lucene.search.Query q) {
      this.filter = q;
      this.filterExpr = q == null ? null : q.toString();
      return this;
    }

    /** Brute force over every stored float vector instead of the HNSW graph. */
    public Builder exact(boolean exact) {
      this.exact = exact;
      return this;
    }

    /** Drop results whose cosine is below {@code s}. */
    public Builder minScore(float s) {
      this.minScore = s;
      return this;
    }

    /** HNSW candidates examined (efSearch); at least k. Default {@value #DEFAULT_CANDIDATES}. */
    public Builder candidates(int c) {
      if (c < 1) throw new BgeVlException("candidates must be positive, got " + c);
      this.candidates = c;
      return this;
    }

    public Query build() {
      return new Query(this);
    }
  }
}
