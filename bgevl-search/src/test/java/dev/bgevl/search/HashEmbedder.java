package dev.bgevl.search;

import dev.bgevl.BgeVlException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A deterministic stand-in for the model: the vector is a seeded random unit vector derived from
 * the sha256 of the image bytes and the text, so equal content gives equal vectors and tests can
 * check which inputs were embedded. Images whose bytes contain "CORRUPT" fail like an undecodable file.
 */
final class HashEmbedder implements Embedder {
  final String id;
  final int dim;
  final long delayMsPerBatch;
  final List<EmbedInput> calls = new CopyOnWriteArrayList<>();

  HashEmbedder(String id, int dim, long delayMsPerBatch) {
    this.id = id;
    this.dim = dim;
    this.delayMsPerBatch = delayMsPerBatch;
  }

  HashEmbedder() {
    this("hash-model", 16, 0);
  }

  @Override
  public String modelId() {
    return id;
  }

  @Override
  public int dim() {
    return dim;
  }

  @Override
  public List<float[]> embed(List<EmbedInput> inputs) {
    if (delayMsPerBatch > 0) {
      try {
        Thread.sleep(delayMsPerBatch);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    List<float[]> out = new ArrayList<>();
    for (EmbedInput in : inputs) out.add(vector(in, dim));
    calls.addAll(inputs);
    return out;
  }

  static float[] vector(EmbedInput in, int dim) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      if (in.image() != null) {
        byte[] b = Files.readAllBytes(in.image());
        if (new String(b, StandardCharsets.ISO_8859_1).contains("CORRUPT")) {
          throw new BgeVlException("image " + in.image() + ": corrupt data");
        }
        md.update(b);
      }
      md.update((byte) 0);
      if (in.text() != null) md.update(in.text().getBytes(StandardCharsets.UTF_8));
      byte[] d = md.digest();
      long seed = 0;
      for (int i = 0; i < 8; i++) seed = seed << 8 | (d[i] & 0xff);
      return Vectors.unit(new Random(seed), dim);
    } catch (IOException e) {
      throw new BgeVlException("image " + in.image() + ": cannot read: " + e.getMessage());
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
