package dev.bgevl.search;

import dev.bgevl.BgeVlException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import org.apache.lucene.document.Document;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.KnnVectorValues;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.search.Scorer;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.Weight;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.VectorUtil;

/**
 * Runs {@link Query}s against a {@link VectorIndex}. Thread-safe: each call acquires the current
 * Lucene searcher and releases it afterwards.
 */
public final class Searcher {
  /**
   * Quantized indexes take the best max(RESCORE_OVERSAMPLE * k, candidates) by their codes (through
   * the HNSW graph, or every code for a flat index) and re-score them with the float32 vectors.
   */
  public static final int RESCORE_OVERSAMPLE = 4;

  @FunctionalInterface
  public interface IOFunction<T> {
    T apply(IndexSearcher s) throws IOException;
  }

  private final VectorIndex index;
  private final SearcherManager manager;

  Searcher(VectorIndex index, SearcherManager manager) {
    this.index = index;
    this.manager = manager;
  }

  /** Runs {@code f} on the current Lucene searcher (null manager = empty index: f sees no documents). */
  public <T> T withSearcher(IOFunction<T> f) {
    try {
      if (manager == null) {
        return f.apply(new IndexSearcher(new org.apache.lucene.index.MultiReader()));
      }
      IndexSearcher s = manager.acquire();
      try {
        return f.apply(s);
      } finally {
        manager.release(s);
      }
    } catch (IOException e) {
      throw new BgeVlException("index " + index.dir() + ": search failed: " + IndexFormat.oneLine(e));
    }
  }

  public List<Hit> search(Query q) {
    int dim = index.meta().dim();
    if (q.vector().length != dim) {
      throw new BgeVlException("query vector has " + q.vector().length + " dims but index " + index.dir() + " holds " + dim);
    }
    return withSearcher(s -> {
      ScoreDoc[] top = q.exact() ? exact(s, q) : approximate(s, q);
      List<Hit> hits = new ArrayList<>(top.length);
      StoredFields sf = s.storedFields();
      for (ScoreDoc sd : top) {
        float cos = sd.score;
        if (cos < q.minScore()) continue;
        Document d = sf.document(sd.doc);
        hits.add(new Hit(d.get(IndexFormat.ID), d.get(IndexFormat.PATH), d.get(IndexFormat.TEXT), d.get(IndexFormat.KIND),
            d.get(IndexFormat.SOURCE), cos, d.get(IndexFormat.METADATA),
            d.getField(IndexFormat.SIZE).numericValue().longValue(), d.getField(IndexFormat.MTIME).numericValue().longValue()));
      }
      return hits;
    });
  }

  /** The approximate search; scores are cosines. */
  private ScoreDoc[] approximate(IndexSearcher s, Query q) throws IOException {
    if (!index.meta().quantized()) {
      TopDocs td = s.search(new KnnFloatVectorQuery(IndexFormat.VECTOR, q.vector(), q.candidates(), q.filter()), q.k());
      for (ScoreDoc sd : td.scoreDocs) sd.score = 2f * sd.score - 1f; // Lucene's DOT_PRODUCT score is (1 + cos) / 2
      return td.scoreDocs;
    }
    // Quantized: the n best by the codes (HNSW or a scan of every code), re-scored with the float32 vectors.
    int n = Math.max(q.k() * RESCORE_OVERSAMPLE, q.candidates());
    ScoreDoc[] cand = s.search(new KnnFloatVectorQuery(IndexFormat.VECTOR, q.vector(), n, q.filter()), n).scoreDocs;
    java.util.Arrays.sort(cand, (a, b) -> Integer.compare(a.doc, b.doc));
    List<LeafReaderContext> leaves = s.getIndexReader().leaves();
    int leafOrd = -1;
    LeafReaderContext leaf = null;
    FloatVectorValues vv = null;
    KnnVectorValues.DocIndexIterator it = null;
    for (ScoreDoc sd : cand) {
      int ord = org.apache.lucene.index.ReaderUtil.subIndex(sd.doc, leaves);
      if (ord != leafOrd) {
        leafOrd = ord;
        leaf = leaves.get(ord);
        vv = leaf.reader().getFloatVectorValues(IndexFormat.VECTOR);
        it = vv.iterator();
      }
      int target = sd.doc - leaf.docBase;
      if (it.docID() > target || it.advance(target) != target) {
        throw new IllegalStateException("doc " + sd.doc + " has no vector"); // candidates come from the vector field
      }
      sd.score = VectorUtil.dotProduct(q.vector(), vv.vectorValue(it.index()));
    }
    java.util.Arrays.sort(cand, (a, b) -> a.score != b.score ? Float.compare(b.score, a.score) : Integer.compare(a.doc, b.doc));
    return cand.length <= q.k() ? cand : java.util.Arrays.copyOf(cand, q.k());
  }

  /** Brute force: the dot product against every live (and filter-matching) stored float vector. */
  private ScoreDoc[] exact(IndexSearcher s, Query q) throws IOException {
    PriorityQueue<ScoreDoc> heap = new PriorityQueue<>(q.k() + 1,
        (a, b) -> a.score != b.score ? Float.compare(a.score, b.score) : Integer.compare(b.doc, a.doc));
    Weight filterWeight = q.filter() == null ? null
        : s.createWeight(s.rewrite(q.filter()), ScoreMode.COMPLETE_NO_SCORES, 1f);
    for (LeafReaderContext leaf : s.getIndexReader().leaves()) {
      FloatVectorValues vv = leaf.reader().getFloatVectorValues(IndexFormat.VECTOR);
      if (vv == null) continue;
      Bits live = leaf.reader().getLiveDocs();
      DocIdSetIterator filterIt = null;
      if (filterWeight != null) {
        Scorer sc = filterWeight.scorer(leaf);
        if (sc == null) continue;
        filterIt = sc.iterator();
      }
      KnnVectorValues.DocIndexIterator it = vv.iterator();
      for (int doc = it.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = it.nextDoc()) {
        if (live != null && !live.get(doc)) continue;
        if (filterIt != null) {
          if (filterIt.docID() < doc) filterIt.advance(doc);
          if (filterIt.docID() != doc) continue;
        }
        float score = VectorUtil.dotProduct(q.vector(), vv.vectorValue(it.index()));
        ScoreDoc sd = new ScoreDoc(leaf.docBase + doc, score);
        if (heap.size() < q.k()) {
          heap.add(sd);
        } else if (heap.comparator().compare(sd, heap.peek()) > 0) {
          heap.poll();
          heap.add(sd);
        }
      }
    }
    ScoreDoc[] out = new ScoreDoc[heap.size()];
    for (int i = out.length - 1; i >= 0; i--) out[i] = heap.poll();
    return out;
  }
}
