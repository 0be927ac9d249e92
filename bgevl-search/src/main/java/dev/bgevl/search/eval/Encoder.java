package dev.bgevl.search.eval;

import dev.bgevl.BgeVl;
import dev.bgevl.Embedding;
import dev.bgevl.Input;
import dev.bgevl.tensor.Ops;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.IntStream;

/** Embeds corpus images and composed queries; {@link #ofModel} wraps a loaded BGE-VL model. */
public interface Encoder {
  int dim();

  /** Identifies the weights in cache keys (model id plus a fingerprint of the folder's files). */
  String modelKey();

  /** L2-normalized image embeddings, one row per path. */
  float[][] images(List<Path> paths);

  /** L2-normalized composed embeddings normalize(text_features + image_features). */
  float[][] composed(List<Path> images, List<String> texts);

  /**
   * The reference's query encoder (MegaPairs {@code eval/flag_mmret.py}, {@code encode_mm_it}, with
   * {@code eval/flag_dataset.py} {@code MMIT_Collator(caption_max_len=75)}): captions are truncated to
   * 75 tokens (BOS, 73 tokens, EOS), not the model's 77; corpus images go through
   * {@code encode_image} (normalize(image_features)).
   */
  static Encoder ofModel(BgeVl model) {
    return new Encoder() {
      static final int QUERY_MAX_TOKENS = 75;

      @Override
      public int dim() {
        return model.dim();
      }

      @Override
      public String modelKey() {
        return model.modelId() + "|" + fingerprint(model.folder());
      }

      @Override
      public float[][] images(List<Path> paths) {
        List<Embedding> e = model.embedBatch(paths.stream().map(Input::image).toList());
        return e.stream().map(Embedding::vector).toArray(float[][]::new);
      }

      @Override
      public float[][] composed(List<Path> images, List<String> texts) {
        int n = images.size();
        int[][] ids = new int[n][];
        for (int i = 0; i < n; i++) {
          int[] t = model.tokenize(texts.get(i)).ids();
          if (t.length > QUERY_MAX_TOKENS) {
            int eos = t[t.length - 1];
            t = Arrays.copyOf(t, QUERY_MAX_TOKENS);
            t[QUERY_MAX_TOKENS - 1] = eos;
          }
          ids[i] = t;
        }
        float[][] pixels = new float[n][];
        IntStream.range(0, n).parallel().forEach(i -> pixels[i] = model.pixelValues(Input.image(images.get(i))));
        // through the towers in chunks of the model's maxBatch, as BgeVl.embedBatch does, to bound activations
        float[][] img = new float[n][];
        float[][] txt = new float[n][];
        int chunk = model.options().maxBatch();
        for (int from = 0; from < n; from += chunk) {
          int to = Math.min(n, from + chunk);
          System.arraycopy(model.model().vision().imageFeatures(Arrays.copyOfRange(pixels, from, to)), 0, img, from, to - from);
          System.arraycopy(model.model().text().textFeatures(Arrays.copyOfRange(ids, from, to)), 0, txt, from, to - from);
        }
        float[][] out = new float[n][];
        for (int i = 0; i < n; i++) {
          float[] v = txt[i].clone();
          Ops.add(v, img[i], v.length);
          Ops.l2Normalize(v, 0, v.length);
          out[i] = v;
        }
        return out;
      }
    };
  }

  /** SHA-256 over the names, sizes and modification times of the files in a model folder. */
  static String fingerprint(Path folder) {
    try (var s = Files.list(folder)) {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      for (Path p : s.filter(Files::isRegularFile).sorted().toList()) {
        md.update((p.getFileName() + "|" + Files.size(p) + "|" + Files.getLastModifiedTime(p).toMillis() + "\n")
            .getBytes(java.nio.charset.StandardCharsets.UTF_8));
      }
      return HexFormat.of().formatHex(md.digest()).substring(0, 16);
    } catch (IOException | java.security.NoSuchAlgorithmException e) {
      return "unknown";
    }
  }
}
