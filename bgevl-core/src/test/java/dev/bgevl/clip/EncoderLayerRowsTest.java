package dev.bgevl.clip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.bgevl.tensor.Activation;
import dev.bgevl.weights.SyntheticWeights;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The last-layer shortcut: running a block on the pooled rows only gives exactly those rows. */
class EncoderLayerRowsTest {

  @Test
  void forwardRowsEqualsThoseRowsOfForward() {
    int hidden = 128, inter = 512, heads = 2, batch = 3, seq = 17;
    ClipEncoderLayer layer = new ClipEncoderLayer(new SyntheticWeights(5), "l", hidden, inter, heads,
        Activation.QUICK_GELU, 1e-5f);
    SplittableRandom r = new SplittableRandom(6);
    float[] x = new float[batch * seq * hidden];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) r.nextGaussian();
    }
    int[] valid = {17, 12, 3};
    int[] query = {16, 11, 2};
    for (boolean causal : new boolean[] {false, true}) {
      int[] validLen = causal ? valid : null;
      float[] full = x.clone();
      layer.forward(full, batch, seq, causal, validLen, new ClipEncoderLayer.Buffers(new Scratch(), batch * seq, hidden, inter));
      float[] rows = new float[batch * hidden];
      float[] before = x.clone();
      layer.forwardRows(x, batch, seq, causal, validLen, query,
          new ClipEncoderLayer.Buffers(new Scratch(), batch * seq, hidden, inter), rows);
      assertArrayEquals(before, x, 0f, "forwardRows must not change x");
      for (int b = 0; b < batch; b++) {
        int from = (b * seq + query[b]) * hidden;
        assertArrayEquals(Arrays.copyOfRange(full, from, from + hidden),
            Arrays.copyOfRange(rows, b * hidden, (b + 1) * hidden), 0f, "item " + b + ", causal " + causal);
      }
    }
  }
}
