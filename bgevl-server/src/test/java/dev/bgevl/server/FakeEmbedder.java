package dev.bgevl.server;

import dev.bgevl.BgeVlException;
import dev.bgevl.Embedding;
import dev.bgevl.Input;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

/**
 * A controllable embedder: each text t embeds to a 4-d vector that encodes t's hash, so tests can
 * check each request got its own result; calls can be slowed down or held at a gate; the text
 * "poison" fails the whole call, as a corrupt image does in the real model.
 */
final class FakeEmbedder implements Embedder {
  final List<Integer> batchSizes = new CopyOnWriteArrayList<>();
  volatile long delayMillis;
  volatile CountDownLatch gate;
  final CountDownLatch entered = new CountDownLatch(1);

  static float[] vectorOf(String text) {
    int h = text.hashCode();
    return new float[] {h & 0xff, (h >> 8) & 0xff, (h >> 16) & 0xff, 1};
  }

  @Override
  public List<Embedding> embed(List<Input> inputs) {
    batchSizes.add(inputs.size());
    entered.countDown();
    try {
      CountDownLatch g = gate;
      if (g != null) {
        g.await();
      }
      if (delayMillis > 0) {
        Thread.sleep(delayMillis);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    List<Embedding> out = new ArrayList<>();
    for (Input in : inputs) {
      String t = in instanceof Input.Text x ? x.text() : in.describe();
      if (t.equals("poison")) {
        throw new BgeVlException("text \"poison\": refused by the fake model");
      }
      float[] v = vectorOf(t);
      out.add(new Embedding(v, v, false));
    }
    return out;
  }

  @Override
  public int tokenCount(String text) {
    return text.split(" ").length + 2;
  }

  @Override
  public String modelId() {
    return "fake";
  }

  @Override
  public int dim() {
    return 4;
  }

  double meanBatch() {
    return batchSizes.stream().mapToInt(Integer::intValue).average().orElse(0);
  }
}
