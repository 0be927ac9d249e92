package dev.bgevl.search.scan;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.lucene.codecs.CodecUtil;
import org.apache.lucene.codecs.KnnFieldVectorsWriter;
import org.apache.lucene.codecs.KnnVectorsWriter;
import org.apache.lucene.codecs.hnsw.FlatFieldVectorsWriter;
import org.apache.lucene.codecs.hnsw.FlatVectorsWriter;
import org.apache.lucene.index.DocsWithFieldSet;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.IndexFileNames;
import org.apache.lucene.index.KnnVectorValues;
import org.apache.lucene.index.MergeState;
import org.apache.lucene.index.SegmentWriteState;
import org.apache.lucene.index.Sorter;
import org.apache.lucene.index.VectorEncoding;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.store.IndexOutput;
import org.apache.lucene.util.IORunnable;
import org.apache.lucene.util.IOUtils;

/**
 * Writes a segment of {@link ScanVectorsFormat}: the float32 vectors through Lucene's flat writer,
 * and each field's {@link FieldCodes} (computed from the buffered vectors at flush, from the merged
 * vectors at merge) into the {@value ScanVectorsFormat#EXTENSION} file: index header, then per field
 * its number and codes, then -1 and the checksum footer.
 */
final class ScanVectorsWriter extends KnnVectorsWriter {
  private record Field(FieldInfo info, FlatFieldVectorsWriter<?> vectors) {}

  private final FlatVectorsWriter flat;
  private final List<Field> fields = new ArrayList<>();
  private IndexOutput out;
  private boolean finished;

  ScanVectorsWriter(SegmentWriteState state, FlatVectorsWriter flat) throws IOException {
    this.flat = flat;
    String name = IndexFileNames.segmentFileName(state.segmentInfo.name, state.segmentSuffix, ScanVectorsFormat.EXTENSION);
    boolean ok = false;
    try {
      out = state.directory.createOutput(name, state.context);
      CodecUtil.writeIndexHeader(out, ScanVectorsFormat.CODEC, ScanVectorsFormat.VERSION, state.segmentInfo.getId(), state.segmentSuffix);
      ok = true;
    } finally {
      if (!ok) IOUtils.closeWhileHandlingException(this);
    }
  }

  static void check(FieldInfo info) {
    if (info.getVectorEncoding() != VectorEncoding.FLOAT32) {
      throw new IllegalArgumentException(ScanVectorsFormat.NAME + " stores float32 vectors only; field '" + info.name + "' is " + info.getVectorEncoding());
    }
    VectorSimilarityFunction s = info.getVectorSimilarityFunction();
    if (s != VectorSimilarityFunction.DOT_PRODUCT && s != VectorSimilarityFunction.MAXIMUM_INNER_PRODUCT) {
      throw new IllegalArgumentException(ScanVectorsFormat.NAME + " ranks by dot product; field '" + info.name + "' uses " + s);
    }
  }

  @Override
  public KnnFieldVectorsWriter<?> addField(FieldInfo info) throws IOException {
    check(info);
    FlatFieldVectorsWriter<?> w = flat.addField(info);
    fields.add(new Field(info, w));
    return w;
  }

  @Override
  @SuppressWarnings("unchecked")
  public void flush(int maxDoc, Sorter.DocMap sortMap) throws IOException {
    flat.flush(maxDoc, sortMap);
    for (Field f : fields) {
      List<float[]> vectors = (List<float[]>) f.vectors().getVectors();
      int n = vectors.size();
      int[] newToOld = null;
      if (sortMap != null) { // the flat writer stores vectors in the sorted doc order: so must the codes
        DocsWithFieldSet docs = f.vectors().getDocsWithFieldSet();
        newToOld = new int[n];
        mapOldOrdToNewOrd(docs, sortMap, null, newToOld, null);
      }
      final int[] order = newToOld;
      FieldCodes codes = FieldCodes.encode(f.info().number, f.info().getVectorDimension(), n, ScanVectorsFormat.SEED,
          ord -> vectors.get(order == null ? ord : order[ord]));
      codes.write(out);
    }
  }

  @Override
  public IORunnable mergeOneField(FieldInfo info, MergeState mergeState) throws IOException {
    check(info);
    flat.mergeOneFlatVectorField(info, mergeState);
    // Passes over the merged view (it reads the source segments): the count, the centroid, the codes.
    // size() counts deleted documents too: count what the merge keeps.
    KnnVectorValues.DocIndexIterator live = MergedVectorValues.mergeFloatVectorValues(info, mergeState).iterator();
    int n = 0;
    while (live.nextDoc() != DocIdSetIterator.NO_MORE_DOCS) n++;
    int dim = info.getVectorDimension();
    FieldCodes codes;
    try {
      codes = FieldCodes.encode(info.number, dim, n, ScanVectorsFormat.SEED, new SequentialVectors(info, mergeState, n));
    } catch (java.io.UncheckedIOException e) {
      throw e.getCause();
    }
    codes.write(out);
    return () -> {};
  }

  /**
   * The merged vectors by ordinal, for {@link FieldCodes#encode}'s two in-order passes: each pass
   * restarts a fresh merged iterator when asked for ordinal 0.
   */
  private static final class SequentialVectors implements java.util.function.IntFunction<float[]> {
    private final FieldInfo info;
    private final MergeState state;
    private final int size;
    private FloatVectorValues values;
    private KnnVectorValues.DocIndexIterator it;
    private int next;

    SequentialVectors(FieldInfo info, MergeState state, int size) {
      this.info = info;
      this.state = state;
      this.size = size;
    }

    @Override
    public float[] apply(int ord) {
      try {
        if (ord == 0) {
          values = MergedVectorValues.mergeFloatVectorValues(info, state);
          it = values.iterator();
          next = 0;
        }
        if (ord != next || ord >= size) throw new IllegalStateException("merged vectors are read in order; asked for " + ord + ", at " + next);
        if (it.nextDoc() == DocIdSetIterator.NO_MORE_DOCS) throw new IllegalStateException("merged vectors ended at " + ord + " of " + size);
        next++;
        return values.vectorValue(it.index());
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
  }

  @Override
  public void finish() throws IOException {
    if (finished) throw new IllegalStateException("already finished");
    finished = true;
    flat.finish();
    out.writeInt(-1);
    CodecUtil.writeFooter(out);
  }

  @Override
  public long ramBytesUsed() {
    return flat.ramBytesUsed();
  }

  @Override
  public void close() throws IOException {
    IOUtils.close(out, flat);
  }
}
