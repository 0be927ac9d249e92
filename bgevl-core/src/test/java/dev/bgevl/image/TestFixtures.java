package dev.bgevl.image;

import java.net.URISyntaxException;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Locates copied reference fixtures on the test classpath and hashes like the reference does. */
final class TestFixtures {
  private TestFixtures() {}

  static Path resource(String rel) {
    URL u = TestFixtures.class.getResource("/fixtures/" + rel);
    if (u == null) {
      throw new AssertionError("missing test resource fixtures/" + rel);
    }
    try {
      return Path.of(u.toURI());
    } catch (URISyntaxException e) {
      throw new AssertionError(e);
    }
  }

  static String sha256(byte[] b) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  /** sha256 of float32 values as numpy's {@code tobytes()} lays them out (little-endian). */
  static String sha256(float[] f) {
    ByteBuffer b = ByteBuffer.allocate(f.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(f);
    return sha256(b.array());
  }
}
