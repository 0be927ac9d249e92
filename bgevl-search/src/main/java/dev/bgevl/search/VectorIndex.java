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
import org.apache.lucene.codecs.lucene104.Lucene104ScalarQuantizedVectorsFormat;
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
import org.apache.lucene.util.quantization.QuantizedByteVectorValues;

/**
 * A persistent vector index on disk (layout in {@link IndexFormat}). Thread-safe: writes go through
 * one Lucene {@code IndexWriter} (opened on the first write, holding the folder's write lock);
 * {@link #searcher()} may be used from many threads and sees the last {@link #commit()} (or, once
 * this instance writes, its latest refreshed state).
 */
public final class VectorIndex implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * How the vectors are stored for the approximate search, fixed when the index is created. The
   * float32 vectors are always kept: quantized indexes search the quantized codes (Lucene's
   * optimized scalar quantization) and re-score the top candidates with the float32 vectors.
   */
  public enum Quantization {
    /** float32 only. */
    NONE("none", null),
    /** 8 bits per dimension. */
    INT8("int8", QuantizedByteVectorValues.ScalarEncoding.UNSIGNED_BYTE),
    /** 7 bits per dimension. */
    INT7("int7", QuantizedByteVectorValues.ScalarEncoding.SEVEN_BIT),
    /** 4 bits per dimension. */
    INT4("int4", QuantizedByteVectorValues.ScalarEncoding.PACKED_NIBBLE),
    /** 2 bits per dimension (the query side is quantized to 4 bits). */
    BIT2("bit2", QuantizedByteVectorValues.ScalarEncoding.DIBIT_QUERY_NIBBLE),
    /** 1 bit per dimension (the query side is quantized to 4 bits). */
    BIT1("bit1", QuantizedByteVectorValues.ScalarEncoding.SINGLE_BIT_QUERY_NIBBLE),
    /**
     * Flat only: our own codes ({@link dev.bgevl.search.scan.ScanVectorsFormat}): one bit per
     * dimension of the rotated vector scanned with popcounts, the best few percent re-ranked with four
     * bits per dimension, the best candidates scored with float32.
     */
    BIT1_INT4("bit1+int4", null);

    private final String id;
    private final QuantizedByteVectorValues.ScalarEncoding encoding;

    Quantization(String id, QuantizedByteVectorValues.ScalarEncoding encoding) {
      this.id = id;
      this.encoding = encoding;
    }

    /** The name used in bgevl-index.json and on the command line. */
    public String id() {
      return id;
    }

    public static Quantization parse(String s) {
      for (Quantization q : values()) if (q.id.equals(s)) return q;
      throw new BgeVlException("quantization must be one of bit1+int4, none, int8, int7, int4, bit2, bit1; got '" + s + "'");
    }
  }

  /** The search structure over the (quantized) vectors, fixed when the index is created. */
  public enum Graph {
    /** A Lucene HNSW graph: sub-linear search, recall set by the search width (efSearch). */
    HNSW("hnsw"),
    /** No graph: every quantized vector is scored (linear, but cheap per vector), the top candidates re-scored. */
    FLAT("flat");

    private final String id;

    Graph(String id) {
      this.id = id;
    }

    public String id() {
      return id;
    }

    public static Graph parse(String s) {
      for (Graph g : values()) if (g.id.equals(s)) return g;
      throw new BgeVlException("graph must be hnsw or flat, got '" + s + "'");
    }
  }

  /**
   * Storage and graph choices, fixed when the index is created (recorded in bgevl-index.json).
   * {@code maxConn} (M) and {@code beamWidth} only matter for {@link Graph#HNSW}.
   */
  public record Options(Quantization quantization, Graph graph, int maxConn, int beamWidth) {
    /**
     * Flat bit1+int4 codes scanned with popcounts, the top candidates re-scored with float32: recall@10
     * ≥ 0.99 on 100k random 512-d unit vectors at about a millisecond, where HNSW (any M, beam or
     * quantization tried) needs a search slower than brute force for 0.98 (docs/SEARCH.md has the
     * measured frontier).
     */
    public static final Options DEFAULT = new Options(Quantization.BIT1_INT4, Graph.FLAT, 32, 200);

    /** The HNSW graph over float32 vectors (the default before index format version 2). */
    public static final Options HNSW_FLOAT32 = new Options(Quantization.NONE, Graph.HNSW, 32, 200);

    public Options {
      java.util.Objects.requireNonNull(quantization, "quantization");
      java.util.Objects.requireNonNull(graph, "graph");
      if (maxConn < 2 || maxConn > 512) throw new BgeVlException("HNSW M (max connections) must be in [2, 512], got " + maxConn);
      if (beamWidth < 1 || beamWidth > 3200) throw new BgeVlException("HNSW beam width must be in [1, 3200], got " + beamWidth);
      if (graph == Graph.FLAT && quantization == Quantization.NONE) {
        throw new BgeVlException("a flat index needs a quantization (bit1+int4, int8, int7, int4, bit2 or bit1); float32 brute force is the --exact search");
      }
      if (graph == Graph.HNSW && quantization == Quantization.BIT1_INT4) {
        throw new BgeVlException("quantization bit1+int4 is for flat indexes; an HNSW graph takes none, int8, int7, int4, bit2 or bit1");
      }
    }

    public Options withQuantization(Quantization q) {
      return new Options(q, graph, maxConn, beamWidth);
    }

    public Options withGraph(Graph g) {
      return new Options(quantization, g, maxConn, beamWidth);
    }

    public Options withHnsw(int m, int beam) {
      return new Options(quantization, graph, m, beam);
    }

    /** The options an existing index was created with (indexes from before they were recorded: HNSW, M=32, beam 200). */
    static Options of(IndexFormat.Meta meta) {
      return new Options(Quantization.parse(meta.quantization()), Graph.parse(meta.graph()),
          meta.maxConn() == null ? 32 : meta.maxConn(), meta.beamWidth() == null ? 200 : meta.beamWidth());
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
      options = Options.of(meta);
    } else {
      if (Files.isRegularFile(dir)) throw new BgeVlException("index " + dir + " is a file, not a folder");
      meta = IndexFormat.Meta.create(model, modelId, dim, options);
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
      return new VectorIndex(dir, meta, Options.of(meta));
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

  /** The storage and graph options this index was created with. */
  public Options options() {
    return options;
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
    KnnVectorsFormat format = vectorsFormat(options, workers, mergePool);
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

  /** The Lucene vectors format of these options (see {@link IndexFormat}). */
  static KnnVectorsFormat vectorsFormat(Options o, int workers, java.util.concurrent.ExecutorService pool) {
    if (o.quantization() == Quantization.NONE) return new Lucene99HnswVectorsFormat(o.maxConn(), o.beamWidth(), workers, pool);
    if (o.quantization() == Quantization.BIT1_INT4) return new dev.bgevl.search.scan.ScanVectorsFormat();
    if (o.graph() == Graph.FLAT) return new Lucene104ScalarQuantizedVectorsFormat(o.quantization().encoding);
    return new Lucene104HnswScalarQuantizedVectorsFormat(o.quantization().encoding, o.maxConn(), o.beamWidth(), workers, pool);
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
