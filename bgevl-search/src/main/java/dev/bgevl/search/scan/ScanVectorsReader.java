package dev.bgevl.search.scan;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import org.apache.lucene.codecs.CodecUtil;
import org.apache.lucene.codecs.KnnVectorsReader;
import org.apache.lucene.codecs.hnsw.FlatVectorsReader;
import org.apache.lucene.index.ByteVectorValues;
import org.apache.lucene.index.CorruptIndexException;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.IndexFileNames;
import org.apache.lucene.index.SegmentReadState;
import org.apache.lucene.search.AcceptDocs;
import org.apache.lucene.search.KnnCollector;
import org.apache.lucene.store.ChecksumIndexInput;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.IOUtils;

/**
 * Reads a segment of {@link ScanVectorsFormat}: the float32 vectors from Lucene's flat reader, the
 * codes into the heap (checksum verified). Thread-safe: searches share only immutable codes.
 */
final class ScanVectorsReader extends KnnVectorsReader {
  /**
   * The one-bit pass keeps max(ONE_BIT_MIN, ONE_BIT_MIN_FACTOR * k, fraction * vectors) candidates
   * for the four-bit pass, which keeps max(k, {@link ScanSearch#EXACT_MIN}) (k is Lucene's: the
   * caller's number of candidates) for the exact float32 scores. The fraction is ONE_BIT_FRACTION for codes of 512 bits or more and grows
   * as 1/sqrt(bits) below (the one-bit estimate's noise does): 5% keeps recall@10 ≥ 0.99 on 100k
   * random 512-d unit vectors (the hard case: neighbours barely closer than the rest).
   */
  static final double ONE_BIT_FRACTION = 0.05;
  static final int ONE_BIT_MIN_FACTOR = 16;
  static final int ONE_BIT_MIN = 1000;

  static double fraction(int codeBits) {
    return ONE_BIT_FRACTION * Math.max(1, Math.sqrt(512.0 / codeBits));
  }

  private final FlatVectorsReader flat;
  private final Map<String, FieldCodes> codes = new HashMap<>();
  private final Map<String, FieldInfo> infos = new HashMap<>();

  ScanVectorsReader(SegmentReadState state, FlatVectorsReader flat) throws IOException {
    this.flat = flat;
    String name = IndexFileNames.segmentFileName(state.segmentInfo.name, state.segmentSuffix, ScanVectorsFormat.EXTENSION);
    boolean ok = false;
    try (ChecksumIndexInput in = state.directory.openChecksumInput(name)) {
      Throwable failure = null;
      try {
        CodecUtil.checkIndexHeader(in, ScanVectorsFormat.CODEC, ScanVectorsFormat.VERSION, ScanVectorsFormat.VERSION,
            state.segmentInfo.getId(), state.segmentSuffix);
        for (int field = in.readInt(); field != -1; field = in.readInt()) {
          FieldInfo info = state.fieldInfos.fieldInfo(field);
          if (info == null) throw new CorruptIndexException("codes for unknown field " + field, in);
          FieldCodes c = FieldCodes.read(in, field);
          if (c.dim != info.getVectorDimension()) {
            throw new CorruptIndexException("field '" + info.name + "': codes of dim " + c.dim + ", field dim " + info.getVectorDimension(), in);
          }
          codes.put(info.name, c);
          infos.put(info.name, info);
        }
      } catch (Throwable t) {
        failure = t;
      } finally {
        CodecUtil.checkFooter(in, failure);
      }
      ok = true;
    } finally {
      if (!ok) IOUtils.closeWhileHandlingException(flat);
    }
  }

  @Override
  public void checkIntegrity() throws IOException {
    flat.checkIntegrity(); // the codes file was verified when it was read
  }

  @Override
  public FloatVectorValues getFloatVectorValues(String field) throws IOException {
    return flat.getFloatVectorValues(field);
  }

  @Override
  public ByteVectorValues getByteVectorValues(String field) throws IOException {
    return flat.getByteVectorValues(field);
  }

  @Override
  public void search(String field, float[] target, KnnCollector collector, AcceptDocs acceptDocs) throws IOException {
    FieldCodes c = codes.get(field);
    if (c == null || c.count == 0) return;
    FloatVectorValues values = flat.getFloatVectorValues(field);
    Bits accept = acceptDocs == null ? null : acceptDocs.bits();
    int scored = ScanSearch.search(c, values, infos.get(field).getVectorSimilarityFunction(), target, collector, accept,
        fraction(c.rotation.padded()), ONE_BIT_MIN_FACTOR, ONE_BIT_MIN);
    collector.incVisitedCount(scored);
  }

  @Override
  public void search(String field, byte[] target, KnnCollector collector, AcceptDocs acceptDocs) {
    throw new UnsupportedOperationException(ScanVectorsFormat.NAME + " has no byte vectors (field '" + field + "')");
  }

  @Override
  public Map<String, Long> getOffHeapByteSize(FieldInfo info) {
    return flat.getOffHeapByteSize(info);
  }

  @Override
  public void close() throws IOException {
    flat.close();
  }
}
