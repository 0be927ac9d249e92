package dev.bgevl.search;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.bgevl.BgeVlException;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The on-disk layout of a bge-vl-java index, version {@value #VERSION_CURRENT}.
 *
 * <pre>
 * DIR/
 *   bgevl-index.json   the index's identity, written once when the index is created (temp file +
 *                      atomic rename, so it is either absent or complete):
 *                        {"format": "bgevl-index", "version": 3, "model": "BAAI/BGE-VL-base",
 *                         "modelId": "...", "dim": 512, "normalized": true,
 *                         "similarity": "DOT_PRODUCT",
 *                         "quantization": "bit1+int4" | "none" | "int8" | "int7" | "int4" | "bit2" | "bit1",
 *                         "graph": "flat" | "hnsw", "maxConn": 32, "beamWidth": 200 (hnsw only),
 *                         "created": "2026-11-27T00:00:00Z"}
 *                      Version 1 had no graph, maxConn or beamWidth: it is HNSW, M=32, beam 200.
 *                      Version 3 added quantization bit1+int4 (flat only); v1 and v2 indexes open
 *                      unchanged.
 *   lucene/            a plain Apache Lucene 10 index (default codec). The vector field's format:
 *                      flat + bit1+int4: dev.bgevl.search.scan.ScanVectorsFormat (SPI name
 *                      BgeVlScanCodes: Lucene's flat float32 files plus a .bvsc codes file per
 *                      segment); flat + other codes: Lucene104ScalarQuantizedVectorsFormat (no graph;
 *                      a search scores every code); hnsw + none: Lucene99HnswVectorsFormat; hnsw + codes:
 *                      Lucene104HnswScalarQuantizedVectorsFormat. The quantized formats keep the
 *                      float32 vectors beside the codes, so the top candidates are re-scored
 *                      exactly. Every commit is atomic: a reader sees the last complete commit,
 *                      never a partial batch.
 * </pre>
 *
 * <p>One Lucene document per indexed item:
 * <table>
 *   <tr><th>field</th><th>Lucene type</th><th>meaning</th></tr>
 *   <tr><td>{@value #ID}</td><td>StringField, stored</td><td>unique key: a file's absolute path, or a JSONL record's
 *       {@code id} (default {@code <jsonl path>#<line>})</td></tr>
 *   <tr><td>{@value #PATH}</td><td>StringField, stored</td><td>the image file (absent for text-only records)</td></tr>
 *   <tr><td>{@value #TEXT}</td><td>StoredField</td><td>the text that was embedded (absent for image-only)</td></tr>
 *   <tr><td>{@value #KIND}</td><td>StringField, stored</td><td>{@code image}, {@code text} or {@code composed}</td></tr>
 *   <tr><td>{@value #SOURCE}</td><td>StringField, stored</td><td>the folder or JSONL file given to {@code bgevl index};
 *       used to delete items that vanished from it</td></tr>
 *   <tr><td>{@value #HASH}</td><td>StoredField</td><td>sha256 of the file bytes (image files) or of the
 *       record line plus its image's hash (JSONL)</td></tr>
 *   <tr><td>{@value #SIZE}, {@value #MTIME}</td><td>LongPoint + stored</td><td>file size in bytes and
 *       modification time in ms (the incremental-run fast path: unchanged size and mtime skip hashing)</td></tr>
 *   <tr><td>{@value #METADATA}</td><td>StoredField</td><td>the record's {@code metadata} object as JSON</td></tr>
 *   <tr><td>{@code m.<key>}</td><td>StringField</td><td>a string/boolean metadata value (arrays: one value each)</td></tr>
 *   <tr><td>{@code n.<key>}</td><td>DoublePoint</td><td>a numeric metadata value</td></tr>
 *   <tr><td>{@value #VECTOR}</td><td>KnnFloatVectorField, DOT_PRODUCT</td><td>the L2-normalized embedding</td></tr>
 * </table>
 *
 * <p>Lucene's DOT_PRODUCT score is {@code (1 + cos) / 2}; the API and CLI report the cosine itself.
 */
public final class IndexFormat {
  public static final String FORMAT_NAME = "bgevl-index";
  public static final int VERSION_CURRENT = 3;
  public static final String META_FILE = "bgevl-index.json";
  public static final String LUCENE_DIR = "lucene";

  public static final String ID = "id";
  public static final String PATH = "path";
  public static final String TEXT = "text";
  public static final String KIND = "kind";
  public static final String SOURCE = "source";
  public static final String HASH = "hash";
  public static final String SIZE = "size";
  public static final String MTIME = "mtime";
  public static final String METADATA = "metadata";
  public static final String VECTOR = "vector";
  public static final String KEYWORD_PREFIX = "m.";
  public static final String NUMERIC_PREFIX = "n.";

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES); // a newer version's fields: the version check speaks

  private IndexFormat() {}

  /**
   * The identity of an index: which model made its vectors and how they are stored. {@code graph},
   * {@code maxConn} and {@code beamWidth} are absent (null) in version-1 indexes, which are HNSW
   * with M=32 and beam width 200.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Meta(String format, int version, String model, String modelId, int dim, boolean normalized,
                     String similarity, String quantization, String graph, Integer maxConn, Integer beamWidth,
                     String created) {
    public Meta {
      if (dim <= 0) throw new IllegalArgumentException("dim must be positive, got " + dim);
      if (quantization == null) quantization = "none";
      VectorIndex.Quantization.parse(quantization);
      if (graph == null) graph = "hnsw";
      VectorIndex.Graph.parse(graph);
    }

    public static Meta create(String model, String modelId, int dim, VectorIndex.Options o) {
      return new Meta(FORMAT_NAME, VERSION_CURRENT, model, modelId, dim, true, "DOT_PRODUCT",
          o.quantization().id(), o.graph().id(), o.graph() == VectorIndex.Graph.HNSW ? o.maxConn() : null,
          o.graph() == VectorIndex.Graph.HNSW ? o.beamWidth() : null, java.time.Instant.now().toString());
    }

    /** True when the approximate search runs on quantized codes (and re-scores with float32). */
    public boolean quantized() {
      return !"none".equals(quantization);
    }
  }

  /** Reads DIR/bgevl-index.json; a missing or unreadable file is a one-line user error. */
  public static Meta readMeta(Path dir) {
    Path file = dir.resolve(META_FILE);
    try {
      Meta m = JSON.readValue(Files.readAllBytes(file), Meta.class);
      if (!FORMAT_NAME.equals(m.format())) {
        throw new BgeVlException("index " + dir + ": " + META_FILE + " is not a bge-vl-java index (format '" + m.format() + "')");
      }
      if (m.version() > VERSION_CURRENT) {
        throw new BgeVlException("index " + dir + " has format version " + m.version()
            + " but this bgevl reads up to " + VERSION_CURRENT + ": upgrade bgevl");
      }
      return m;
    } catch (NoSuchFileException e) {
      throw new BgeVlException("no index at " + dir + " (missing " + META_FILE + "): create it with 'bgevl index --index " + dir + " PATH...'");
    } catch (IOException | IllegalArgumentException e) {
      throw new BgeVlException("index " + dir + ": cannot read " + META_FILE + ": " + oneLine(e));
    }
  }

  /** Writes the identity file atomically (temp file in the same folder, then rename). */
  public static void writeMeta(Path dir, Meta meta) {
    Path file = dir.resolve(META_FILE);
    try {
      Files.createDirectories(dir);
      Path tmp = Files.createTempFile(dir, META_FILE, ".tmp");
      Files.write(tmp, JSON.writeValueAsBytes(meta));
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw new BgeVlException("index " + dir + ": cannot write " + META_FILE + ": " + oneLine(e));
    }
  }

  static String oneLine(Throwable e) {
    String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return m.replace('\n', ' ').replace('\r', ' ');
  }
}
