package dev.bgevl.search;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bgevl.BgeVlException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.lucene104.Lucene104Codec;
import org.apache.lucene.codecs.lucene104.Lucene104HnswScalarQuantizedVectorsFormat;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsFormat;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.DoublePoint;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.LongPoint;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.KnnVectorValues;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.store.LockObtainFailedException;

/**
 * A persistent vector index on disk (layout in {@link IndexFormat}). Thread-safe: writes go through
 * one Lucene {@code IndexWriter} (opened on the first write, holding the folder's write lock);
 * {@link #searcher()} may be used from many threads and sees the last {@link #commit()} (or, once
 * this instance writes, its latest refreshed state).
 */
public final class VectorIndex implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** HNSW and storage choices, fixed when the index is created (quantization) or per writer (graph). */
  public record Options(boolean quantized, int maxConn, int beamWidth) {
    /** M = 32 and beam 200: recall@10 >= 0.98 on 512-d random unit vectors with the default search width. */
    public static final Options DEFAULT = new Options(false, 32, 200);

    public Options {
      if (maxConn < 2 || maxConn > 512) throw new IllegalArgumentException("maxConn must be in [2, 512], got " + maxConn);
      if (beamWidth < 1 || beamWidth > 3200) throw new IllegalArgumentException("beamWidth must be in [1, 3200], got " + beamWidth);
    }

    public Options withQuantized(boolean q) {
      return new Options(q, maxConn, beamWidth);
    }
  }

  /** What an incremental ingest needs to know about an item already in the index. */
  public record StoredState(String hash, long size, long mtime) {}

  private final Path dir;
  private final IndexFormat.Meta meta;
  private final Options options;
  private final Directory directory;
  private IndexWriter writer;
  private java.util.concurrent.ExecutorService mergePool;
  private SearcherManager manager;
  private Searcher searcher;

  private VectorIndex(Path dir, IndexFormat.Meta meta, Options options) throws IOException {
    this.dir = dir;
    this.meta = meta;
    this.options = options;
    this.directory = FSDirectory.open(dir.resolve(IndexFormat.LUCENE_DIR));
  }

  /**
   * Opens the index at {@code dir} for writing, creating it for this model when it does not exist.
   * An existing index made by another model (id or dim) is refused with one line.
   */
  public static VectorIndex openOrCreate(Path dir, String model, String modelId, int dim, Options options) {
    if (dim > MAX_DIMENSIONS) throw new BgeVlException("model " + modelId + " has dim " + dim + "; the index holds at most " + MAX_DIMENSIONS);
    IndexFormat.Meta meta;
    if (Files.exists(dir.resolve(IndexFormat.META_FILE))) {
      meta = IndexFormat.readMeta(dir);
      checkModel(dir, meta, modelId, dim);
      options = options.withQuantized(meta.quantized());
    } else {
      if (Files.isRegularFile(dir)) throw new BgeVlException("index " + dir + " is a file, not a folder");
      meta = IndexFormat.Meta.create(model, modelId, dim, options.quantized());
      IndexFormat.writeMeta(dir, meta);
    }
    try {
      VectorIndex index = new VectorIndex(dir, meta, options);
      index.openWriter();
      return index;
    } catch (IOException e) {
      throw new BgeVlException("index " + dir + ": cannot open: " + IndexFormat.oneLine(e));
    }
  }

  /** Opens an existing index for searching only (takes no lock; an indexer may run at the same time). */
  public static VectorIndex open(Path dir) {
    if (!Files.isDirectory(dir)) throw new BgeVlException("no index at " + dir + " (no such folder): create it with 'bgevl index --index " + dir + " PATH...'");
    IndexFormat.Meta meta = IndexFormat.readMeta(dir);
    try {
      return new VectorIndex(dir, meta, Options.DEFAULT.withQuantized(meta.quantized()));
    } catch (IOException e) {
      throw new BgeVlException("index " + dir + ": cannot open: " + IndexFormat.oneLine(e));
    }
  }

  /** Refuses a model whose id or dim differs from the one the index was built with (one line). */
  public void checkModel(String modelId, int dim) {
    checkModel(dir, meta, modelId, dim);
  }

  private static void checkModel(Path dir, IndexFormat.Meta meta, String modelId, int dim) {
    if (!meta.modelId().equals(modelId) || meta.dim() != dim) {
      throw new BgeVlException("index " + dir + " was built with model " + meta.modelId() + " (dim " + meta.dim()
          + "), not " + modelId + " (dim " + dim + "): use --model " + meta.model() + " or a new --index folder");
    }
  }

  public IndexFormat.Meta meta() {
    return meta;
  }

  public Path dir() {
    return dir;
  }

  private synchronized void openWriter() throws IOException {
    // Merging rebuilds HNSW graphs, the costliest part of indexing: let it use the cores.
    int workers = Math.max(1, Math.min(8, Runtime.getRuntime().availableProcessors()));
    mergePool = workers > 1 ? java.util.concurrent.Executors.newFixedThreadPool(workers, r -> {
      Thread t = new Thread(r, "bgevl-hnsw-merge");
      t.setDaemon(true);
      return t;
    }) : null;
    KnnVectorsFormat format = options.quantized()
        ? new Lucene104HnswScalarQuantizedVectorsFormat(
            org.apache.lucene.util.quantization.QuantizedByteVectorValues.ScalarEncoding.UNSIGNED_BYTE,
            options.maxConn(), options.beamWidth(), workers, mergePool)
        : new Lucene99HnswVectorsFormat(options.maxConn(), options.beamWidth(), workers, mergePool);
    KnnVectorsFormat wide = new MaxDimensions(format, MAX_DIMENSIONS);
    IndexWriterConfig cfg = new IndexWriterConfig();
    cfg.setCodec(new Lucene104Codec() {
      @Override
      public KnnVectorsFormat getKnnVectorsFormatForField(String field) {
        return wide;
      }
    });
    cfg.setOpenMode(IndexWriterConfig.OpenMode.CREATE_OR_APPEND);
    cfg.setRAMBufferSizeMB(128);
    cfg.setCommitOnClose(false);
    try {
      writer = new IndexWriter(directory, cfg);
    } catch (LockObtainFailedException e) {
      throw new BgeVlException("index " + dir + " is being written by another process (" + IndexFormat.LUCENE_DIR + "/write.lock is held)");
    }
    manager = new SearcherManager(writer, null);
    searcher = new Searcher(this, manager);
  }

  /** Largest embedding accepted: BGE-VL-MLLM's 4096 (Lucene's formats stop at 1024 by default). */
  public static final int MAX_DIMENSIONS = 4096;

  /**
   * The Lucene format under its own name (so any Lucene reader opens the index through SPI) with a
   * higher dimension limit; the limit is only checked when writing.
   */
  private static final class MaxDimensions extends KnnVectorsFormat {
    private final KnnVectorsFormat delegate;
    private final int max;

    MaxDimensions(KnnVectorsFormat delegate, int max) {
      super(delegate.getName());
      this.delegate = delegate;
      this.max = max;
    }

    @Override
    public org.apache.lucene.codecs.KnnVectorsWriter fieldsWriter(org.apache.lucene.index.SegmentWriteState state) throws IOException {
      return delegate.fieldsWriter(state);
    }

    @Override
    public org.apache.lucene.codecs.KnnVectorsReader fieldsReader(org.apache.lucene.index.SegmentReadState state) throws IOException {
      return delegate.fieldsReader(state);
    }

    @Override
    public int getMaxDimensions(String fieldName) {
      return max;
    }

    @Override
    public String toString() {
      return delegate + "(maxDimensions=" + max + ")";
    }
  }

  private IndexWriter writer() {
    if (writer == null) throw new IllegalStateException("index " + dir + " was opened read-only");
    return writer;
  }

  /** Adds the item, replacing any item with the same id. */
  public void upsert(IndexedDoc d) {
    if (d.vector().length != meta.dim()) {
      throw new BgeVlException("item " + d.id() + ": vector has " + d.vector().length + " dims, index " + dir + " holds " + meta.dim());
    }
    Document doc = new Document();
    doc.add(new StringField(IndexFormat.ID, d.id(), Field.Store.YES));
    if (d.path() != null) doc.add(new StringField(IndexFormat.PATH, d.path(), Field.Store.YES));
    if (d.text() != null) doc.add(new StoredField(IndexFormat.TEXT, d.text()));
    doc.add(new StringField(IndexFormat.KIND, d.kind(), Field.Store.YES));
    if (d.source() != null) doc.add(new StringField(IndexFormat.SOURCE, d.source(), Field.Store.YES));
    if (d.hash() != null) doc.add(new StoredField(IndexFormat.HASH, d.hash()));
    doc.add(new LongPoint(IndexFormat.SIZE, d.size()));
    doc.add(new StoredField(IndexFormat.SIZE, d.size()));
    doc.add(new LongPoint(IndexFormat.MTIME, d.mtime()));
    doc.add(new StoredField(IndexFormat.MTIME, d.mtime()));
    try {
      doc.add(new StoredField(IndexFormat.METADATA, JSON.writeValueAsString(d.metadata())));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    for (var e : d.metadata().entrySet()) addMetadata(doc, e.getKey(), e.getValue());
    doc.add(new KnnFloatVectorField(IndexFormat.VECTOR, d.vector(), VectorSimilarityFunction.DOT_PRODUCT));
    try {
      writer().updateDocument(new Term(IndexFormat.ID, d.id()), doc);
    } catch (IOException e) {
      throw new BgeVlException("index " + dir + ": cannot add " + d.id() + ": " + IndexFormat.oneLine(e));
    }
  }

  private static void addMetadata(Document doc, String key, Object v) {
    switch (v) {
      case null -> { }
      case Number n -> doc.add(new DoublePoint(IndexFormat.NUMERIC_PREFIX + key, n.doubleValue()));
      case Boolean b -> doc.add(new StringField(IndexFormat.KEYWORD_PREFIX + key, b.toString(), Field.Store.NO));
      case List<?> list -> {
        for (Object o : list) if (!(o instanceof List<?>) && !(o instanceof Map<?, ?>)) addMetadata(doc, key, o);
      }
      case Map<?, ?> m -> { } // nested objects are stored in the JSON but not filterable
      default -> doc.add(new StringField(IndexFormat.KEYWORD_PREFIX + key, v.toString(), Field.Store.NO));
    }
  }

  public void delete(String id) {
    try {
      writer().deleteDocuments(new Term(IndexFormat.ID, id));
    } catch (IOException e) {
      throw new BgeVlException("index " + dir + ": cannot delete " + id + ": " + IndexFormat.oneLine(e));
    }
  }

  /** Makes every change so far durable and visible to new readers, atomically. */
  public void commit() {
    try {
      writer().commit();
      manager.maybeRefreshBlocking();
    } catch (IOException e) {
      throw new BgeVlException("index " + dir + ": commit failed: " + IndexFormat.oneLine(e));
    }
  }

  /** Merges the index into one segment (one HNSW graph: fastest searches) and commits. */
  public void forceMerge() {
    try {
      writer().forceMerge(1);
      commit();
    } catch (IOException e) {
      throw new BgeVlException("index " + dir + ": merge failed: " + IndexFormat.oneLine(e));
    }
  }

  /**
   * Writer: makes uncommitted changes visible to {@link #searcher()} without making them durable.
   * Read-only: moves the searcher to the latest commit (another process may be indexing).
   */
  public synchronized void refresh() {
    try {
      if (manager == null) searcher = null; // no commit existed yet: the next searcher() looks again
      else manager.maybeRefreshBlocking();
    } catch (IOException e) {
      throw new BgeVlException("index " + dir + ": refresh failed: " + IndexFormat.oneLine(e));
    }
  }

  /** The searcher; on a read-only index it sees the last commit at the time of the first call. */
  public synchronized Searcher searcher() {
    if (searcher == null) {
      try {
        manager = DirectoryReader.indexExists(directory) ? new SearcherManager(directory, null) : null;
      } catch (IOException e) {
        throw new BgeVlException("index " + dir + ": cannot open: " + IndexFormat.oneLine(e));
      }
      searcher = new Searcher(this, manager);
    }
    return searcher;
  }

  /** Id → stored state of every item that came from {@code source} (ids of files, records...). */
  public Map<String, StoredState> states(String source) {
    Map<String, StoredState> out = new HashMap<>();
    searcher().withSearcher(s -> {
      TopDocs td = s.search(new TermQuery(new Term(IndexFormat.SOURCE, source)), Math.max(1, s.getIndexReader().maxDoc()));
      StoredFields sf = s.storedFields();
      for (ScoreDoc sd : td.scoreDocs) {
        Document d = sf.document(sd.doc);
        out.put(d.get(IndexFormat.ID), new StoredState(d.get(IndexFormat.HASH),
            d.getField(IndexFormat.SIZE).numericValue().longValue(),
            d.getField(IndexFormat.MTIME).numericValue().longValue()));
      }
      return null;
    });
    return out;
  }

  /** The stored vector of item {@code id}, or null when absent. */
  public float[] vector(String id) {
    return searcher().withSearcher(s -> {
      TopDocs td = s.search(new TermQuery(new Term(IndexFormat.ID, id)), 1);
      if (td.scoreDocs.length == 0) return null;
      int doc = td.scoreDocs[0].doc;
      List<LeafReaderContext> leaves = s.getIndexReader().leaves();
      LeafReaderContext leaf = leaves.get(org.apache.lucene.index.ReaderUtil.subIndex(doc, leaves));
      FloatVectorValues vv = leaf.reader().getFloatVectorValues(IndexFormat.VECTOR);
      if (vv == null) return null;
      KnnVectorValues.DocIndexIterator it = vv.iterator();
      if (it.advance(doc - leaf.docBase) != doc - leaf.docBase) return null;
      return vv.vectorValue(it.index()).clone();
    });
  }

  /** Number of live items (as the searcher sees them). */
  public int size() {
    return searcher().withSearcher(s -> s.getIndexReader().numDocs());
  }

  @Override
  public synchronized void close() {
    try {
      if (manager != null) manager.close();
      if (writer != null) writer.rollback(); // uncommitted changes are dropped: commit() is the only way to persist
      directory.close();
      if (mergePool != null) mergePool.shutdownNow();
    } catch (IOException e) {
      throw new BgeVlException("index " + dir + ": close failed: " + IndexFormat.oneLine(e));
    }
  }
}
