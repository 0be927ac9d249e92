package dev.bgevl.search.eval;

import dev.bgevl.BgeVlException;
import dev.bgevl.search.Progress;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.function.BiFunction;

/**
 * Embeddings on disk so that a re-run only re-scores. One entry per (model, kind, input list): a
 * {@code <key>.f32} file of little-endian float32 rows, appended batch by batch (an interrupted run
 * resumes after the last complete row), and {@code <key>.ids} with one input id per line. The key is
 * the SHA-256 of the model key, the kind, and every input's id, path, file size and text.
 */
public final class EmbeddingCache {
  private final Path dir; // null: no caching
  private final PrintStream log;

  public EmbeddingCache(Path dir, PrintStream log) {
    this.dir = dir;
    this.log = log;
  }

  /** One input row: an id (for the ids file), an image, and a text (null for images). */
  public record Item(String id, Path image, String text) {}

  /**
   * Returns [n × dim] row-major embeddings for the items, computing missing rows in batches with
   * {@code compute(from, to)}.
   */
  public float[] embed(String label, String modelKey, String kind, List<Item> items, int dim, int batch,
      BiFunction<Integer, Integer, float[][]> compute) {
    int n = items.size();
    float[] out = new float[n * dim];
    Path f32 = null;
    int done = 0;
    if (dir != null) {
      String key = key(modelKey, kind, dim, items);
      f32 = dir.resolve(key + ".f32");
      try {
        Files.createDirectories(dir);
        Path ids = dir.resolve(key + ".ids");
        if (!Files.exists(ids)) {
          Files.write(ids, items.stream().map(Item::id).toList(), StandardCharsets.UTF_8);
        }
        if (Files.exists(f32)) {
          long rowBytes = 4L * dim;
          done = (int) Math.min(n, Files.size(f32) / rowBytes);
          try (FileChannel ch = FileChannel.open(f32, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ch.truncate(done * rowBytes); // drop a torn last row
            readRows(ch, out, done, dim);
          }
          if (done > 0 && log != null) {
            log.println(label + ": " + done + " of " + n + " embeddings from cache " + f32);
          }
        }
      } catch (IOException e) {
        throw new BgeVlException(dir + ": embedding cache unusable (" + e.getMessage() + ")");
      }
    }
    if (done == n) {
      return out;
    }
    Progress p = new Progress(log, label, n);
    p.advance(done);
    try (FileChannel ch = f32 == null ? null : FileChannel.open(f32, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.APPEND)) {
      for (int from = done; from < n; from += batch) {
        int to = Math.min(n, from + batch);
        float[][] rows = compute.apply(from, to);
        ByteBuffer bb = ByteBuffer.allocate((to - from) * dim * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < rows.length; i++) {
          if (rows[i].length != dim) {
            throw new IllegalStateException("embedding of dim " + rows[i].length + ", expected " + dim);
          }
          System.arraycopy(rows[i], 0, out, (from + i) * dim, dim);
          for (float v : rows[i]) {
            bb.putFloat(v);
          }
        }
        if (ch != null) {
          bb.flip();
          while (bb.hasRemaining()) {
            ch.write(bb);
          }
        }
        p.advance(to - from);
      }
    } catch (IOException e) {
      throw new BgeVlException(f32 + ": cannot write the embedding cache (" + e.getMessage() + ")");
    } finally {
      p.finish();
    }
    return out;
  }

  private static void readRows(FileChannel ch, float[] out, int rows, int dim) throws IOException {
    ByteBuffer bb = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
    int pos = 0;
    int total = rows * dim;
    ch.position(0);
    while (pos < total) {
      bb.clear();
      bb.limit((int) Math.min(bb.capacity(), 4L * (total - pos)));
      if (ch.read(bb) < 0) {
        throw new IOException("short read");
      }
      bb.flip();
      while (bb.remaining() >= 4) {
        out[pos++] = bb.getFloat();
      }
      if (bb.hasRemaining()) {
        ch.position(ch.position() - bb.remaining());
      }
    }
  }

  static String key(String modelKey, String kind, int dim, List<Item> items) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update(("bgevl-eval-cache-v1|" + modelKey + "|" + kind + "|" + dim + "\n").getBytes(StandardCharsets.UTF_8));
      for (Item it : items) {
        long size = -1;
        try {
          size = Files.size(it.image());
        } catch (IOException ignored) {
          // missing images are reported before embedding
        }
        md.update((it.id() + "\u0000" + it.image().toAbsolutePath().normalize() + "\u0000" + size + "\u0000"
            + (it.text() == null ? "" : it.text()) + "\n").getBytes(StandardCharsets.UTF_8));
      }
      return kind + "-" + HexFormat.of().formatHex(md.digest()).substring(0, 24);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
