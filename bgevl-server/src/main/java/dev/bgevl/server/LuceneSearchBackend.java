package dev.bgevl.server;

import dev.bgevl.BgeVlException;
import dev.bgevl.search.IndexFormat;
import dev.bgevl.search.IndexedDoc;
import dev.bgevl.search.Query;
import dev.bgevl.search.VectorIndex;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.lucene.document.Document;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;

/**
 * The persistent Lucene index of {@code bgevl-search} ({@link VectorIndex}) behind the API: HNSW
 * search with the index's filter language, and changes committed (durable) before the request
 * returns. Items added through the API get {@code source = "api"}, so a later {@code bgevl index}
 * run over a folder never deletes them. Thread-safe.
 */
public final class LuceneSearchBackend implements SearchBackend {
  /** The {@code source} recorded for items added through the HTTP API. */
  public static final String SOURCE = "api";

  private final VectorIndex index;
  private final boolean writable;
  private final Object writeLock = new Object();
  private boolean closed;
  /** Read-only: when the searcher last looked for new commits (nanoTime). */
  private volatile long lastRefresh = System.nanoTime();
  static final long REFRESH_NANOS = 1_000_000_000L;

  private LuceneSearchBackend(VectorIndex index, boolean writable) {
    this.index = index;
    this.writable = writable;
  }

  /**
   * Opens the index at {@code dir}: for writing (created when missing; holds the folder's write
   * lock) or read-only (no lock: {@code bgevl index} may write it meanwhile; new commits become
   * visible within a second). An index built by another model is refused.
   */
  public static LuceneSearchBackend open(Path dir, String model, String modelId, int dim, boolean readOnly) {
    if (readOnly) {
      VectorIndex idx = VectorIndex.open(dir);
      try {
        idx.checkModel(modelId, dim);
      } catch (BgeVlException e) {
        idx.close();
        throw e;
      }
      return new LuceneSearchBackend(idx, false);
    }
    return new LuceneSearchBackend(VectorIndex.openOrCreate(dir, model, modelId, dim, VectorIndex.Options.DEFAULT), true);
  }

  @Override
  public List<SearchBackend.Hit> search(float[] vector, int k, String filter, float minScore) {
    follow();
    Query q = Query.builder(vector).k(k).filter(filter).minScore(minScore).build();
    List<SearchBackend.Hit> out = new ArrayList<>();
    for (dev.bgevl.search.Hit h : index.searcher().search(q)) {
      out.add(new SearchBackend.Hit(h.id(), h.path(), h.text(), h.kind(), h.score(), h.metadataJson()));
    }
    return out;
  }

  @Override
  public void add(Doc doc) {
    checkWritable();
    long size = 0;
    long mtime = System.currentTimeMillis();
    if (doc.path() != null) {
      try {
        size = Files.size(Path.of(doc.path()));
      } catch (java.io.IOException e) {
        throw new BgeVlException("item " + doc.id() + ": cannot read " + doc.path() + " (" + e.getMessage() + ")");
      }
    }
    synchronized (writeLock) {
      index.upsert(new IndexedDoc(doc.id(), doc.path(), doc.text(), doc.kind(), SOURCE, null, size, mtime, doc.metadata(), doc.vector()));
      index.commit();
    }
  }

  @Override
  public boolean delete(String id) {
    checkWritable();
    synchronized (writeLock) {
      if (index.vector(id) == null) {
        return false;
      }
      index.delete(id);
      index.commit();
      return true;
    }
  }

  @Override
  public Optional<String> pathOf(String id) {
    follow();
    return Optional.ofNullable(index.searcher().withSearcher(s -> {
      TopDocs td = s.search(new TermQuery(new Term(IndexFormat.ID, id)), 1);
      if (td.scoreDocs.length == 0) {
        return null;
      }
      ScoreDoc sd = td.scoreDocs[0];
      Document d = s.storedFields().document(sd.doc);
      return d.get(IndexFormat.PATH);
    }));
  }

  @Override
  public int size() {
    follow();
    return index.size();
  }

  @Override
  public boolean writable() {
    return writable;
  }

  @Override
  public int dim() {
    return index.meta().dim();
  }

  @Override
  public String describe() {
    return "lucene " + index.dir() + (writable ? "" : " (read-only)");
  }

  /** Read-only: picks up commits another process made, at most once per second. */
  private void follow() {
    if (writable) {
      return;
    }
    long now = System.nanoTime();
    if (now - lastRefresh > REFRESH_NANOS) {
      lastRefresh = now;
      index.refresh();
    }
  }

  private void checkWritable() {
    if (!writable) {
      throw new ApiException(403, ApiException.PERMISSION, "the index is read-only (started with --read-only)");
    }
  }

  /** Idempotent (the CLI's shutdown hook and its try-with-resources may both call it). */
  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      index.close();
    }
  }
}
