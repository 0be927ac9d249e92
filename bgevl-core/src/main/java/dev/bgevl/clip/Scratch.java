package dev.bgevl.clip;

import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Activation arrays reused across forward calls, so a steady stream of embeddings allocates almost
 * nothing and the JVM's heap stays at the weights plus one scratch set per concurrent call.
 *
 * <p>Each slot grows to the largest size asked of it and is never shrunk; arrays are handed out
 * dirty, so callers write every element they later read. A {@link Pool} gives each concurrent
 * forward call its own set; a set is returned when the call ends.
 */
final class Scratch {
  static final int X = 0, NORMED = 1, QKV = 2, ATTN = 3, MLP = 4, PATCHES = 5, PATCH_OUT = 6, EMBED = 7;

  private final float[][] slots = new float[8][];

  /** The array of {@code slot}, at least {@code size} long (contents undefined). */
  float[] get(int slot, long size) {
    if (size > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("activation of " + size + " values is too large for one array");
    }
    float[] a = slots[slot];
    if (a == null || a.length < size) {
      slots[slot] = null; // let the old one go before allocating the larger one
      a = new float[(int) size];
      slots[slot] = a;
    }
    return a;
  }

  /** Free sets; at most as many exist as calls have run at once. */
  static final class Pool {
    private final ConcurrentLinkedQueue<Scratch> free = new ConcurrentLinkedQueue<>();

    Scratch take() {
      Scratch s = free.poll();
      return s != null ? s : new Scratch();
    }

    void give(Scratch s) {
      free.offer(s);
    }
  }
}
