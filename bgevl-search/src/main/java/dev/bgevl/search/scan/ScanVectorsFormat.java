package dev.bgevl.search.scan;

import java.io.IOException;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.KnnVectorsReader;
import org.apache.lucene.codecs.KnnVectorsWriter;
import org.apache.lucene.codecs.hnsw.FlatVectorScorerUtil;
import org.apache.lucene.codecs.hnsw.FlatVectorsFormat;
import org.apache.lucene.codecs.lucene99.Lucene99FlatVectorsFormat;
import org.apache.lucene.index.SegmentReadState;
import org.apache.lucene.index.SegmentWriteState;

/**
 * A Lucene vectors format for an exhaustive but cheap search: the float32 vectors in Lucene's flat
 * format, plus, per segment, one-bit and four-bit codes of the rotated, centered vectors ({@link
 * FieldCodes}, file extension {@value #EXTENSION}). A search scores every one-bit code (AND +
 * popcount, 8 vectors per instruction), re-ranks the best few percent with the four-bit codes and
 * the best {@code k} of those with the float32 vectors, so the scores it returns are exact.
 *
 * <p>Registered for Lucene's SPI under {@value #NAME}, so any Lucene reader with this jar on the
 * class path opens such an index. Supports float32 fields with DOT_PRODUCT or MAXIMUM_INNER_PRODUCT
 * similarity (the codes estimate dot products). The codes are loaded into the heap when a segment
 * is opened: about D/8 + D/2 + 24 bytes per vector, D the dimension rounded up to a power of two
 * (≥ 128): 344 bytes for 512-d vectors, ~33 MB per 100,000.
 */
public final class ScanVectorsFormat extends KnnVectorsFormat {
  public static final String NAME = "BgeVlScanCodes";
  static final String EXTENSION = "bvsc";
  static final String CODEC = "BgeVlScanCodes";
  static final int VERSION = 0;
  /** The seed of every segment's rotation (recorded per field, so it could change later). */
  static final long SEED = 0x6267_6576_6c5fL;
  /** Largest dimension written (BGE-VL-MLLM's 4096). */
  public static final int MAX_DIMENSIONS = 4096;

  private final FlatVectorsFormat flat = new Lucene99FlatVectorsFormat(FlatVectorScorerUtil.getLucene99FlatVectorsScorer());

  public ScanVectorsFormat() {
    super(NAME);
  }

  @Override
  public KnnVectorsWriter fieldsWriter(SegmentWriteState state) throws IOException {
    return new ScanVectorsWriter(state, flat.fieldsWriter(state));
  }

  @Override
  public KnnVectorsReader fieldsReader(SegmentReadState state) throws IOException {
    return new ScanVectorsReader(state, flat.fieldsReader(state));
  }

  @Override
  public int getMaxDimensions(String fieldName) {
    return MAX_DIMENSIONS;
  }

  @Override
  public String toString() {
    return NAME + "(float32 + one-bit and four-bit codes)";
  }
}
