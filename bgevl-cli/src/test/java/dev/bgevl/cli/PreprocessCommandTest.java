package dev.bgevl.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bgevl.image.Npy;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code bgevl preprocess} end to end on a reference image, and its one-line errors. */
class PreprocessCommandTest {
  @TempDir static Path fixtures;

  /** Copies a bgevl-core test fixture out of the test-jar (resources there are not files). */
  private static Path fixture(String rel) throws IOException {
    Path p = fixtures.resolve(rel);
    if (rel.equals("clip-tiny")) {
      fixture("clip-tiny/preprocessor_config.json");
      return p;
    }
    if (rel.equals("mllm-tiny")) {
      fixture("mllm-tiny/preprocessor_config.json");
      fixture("mllm-tiny/config.json");
      return p;
    }
    if (Files.notExists(p)) {
      try (InputStream in = PreprocessCommandTest.class.getResourceAsStream("/fixtures/" + rel)) {
        if (in == null) {
          throw new AssertionError("missing test resource fixtures/" + rel);
        }
        Files.createDirectories(p.getParent());
        Files.copy(in, p);
      }
    }
    return p;
  }

  private record Run(int code, String out, String err) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter(), err = new StringWriter();
    CommandLine cl = new CommandLine(new Main());
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int code = cl.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void writesReferencePixelValues(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("pv.npy");
    Run r = run("preprocess", "--model", fixture("clip-tiny").toString(),
        "--image", fixture("images/cir_candi_1.png").toString(), "--output", out.toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("640x480 image -> pixel_values float32 [3, 32, 32]"), r.out());
    Npy.Array got = Npy.read(Files.readAllBytes(out), "pv.npy");
    Npy.Array want = Npy.read(Files.readAllBytes(fixture("pixels/clip-tiny/cir_candi_1.png.npy")), "ref");
    assertArrayEquals(want.shape(), got.shape());
    assertArrayEquals(want.data(), got.data()); // bit-identical to the reference
  }

  @Test
  void badImageIsOneLineNonZero(@TempDir Path dir) throws Exception {
    Path junk = dir.resolve("junk.jpg");
    Files.writeString(junk, "not an image");
    Run r = run("preprocess", "--model", fixture("clip-tiny").toString(), "--image", junk.toString(),
        "--output", dir.resolve("x.npy").toString());
    assertEquals(1, r.code());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertTrue(r.err().startsWith("error: " + junk + ": unsupported or unrecognized image format"), r.err());
    assertTrue(Files.notExists(dir.resolve("x.npy")));
  }

  @Test
  void missingModelIsOneLine(@TempDir Path dir) throws Exception {
    Run r = run("preprocess", "--model", dir.toString(), "--image", fixture("images/edge/1x1.png").toString(),
        "--output", dir.resolve("x.npy").toString());
    assertEquals(1, r.code());
    assertTrue(r.err().contains("preprocessor_config.json: preprocessor config not found"), r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
  }

  @Test
  void writesLlavaTilesMatchingTheReferenceHash(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("tiles.npy");
    Run r = run("preprocess", "--model", fixture("mllm-tiny").toString(), "--tiles",
        "--image", fixture("images/edge/palette.png").toString(), "--output", out.toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("512x512 image -> 5 tiles (grid 2x2 of 56x56 + base) float32 [5, 3, 56, 56]"), r.out());
    byte[] npy = Files.readAllBytes(out);
    Npy.Array a = Npy.read(npy, "tiles.npy");
    assertArrayEquals(new int[] {5, 3, 56, 56}, a.shape());
    // expected/mllm-tiny.json c_image_palette: sha256 of the little-endian float32 pixel_values
    java.nio.ByteBuffer bb = java.nio.ByteBuffer.allocate(a.data().length * 4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    for (float v : a.data()) {
      bb.putFloat(v);
    }
    assertEquals("1e44a750716169f18cc323bfb1217bd7a44ee147d05076a4b1b48f0f14ff704c", java.util.HexFormat.of().formatHex(
        java.security.MessageDigest.getInstance("SHA-256").digest(bb.array())));

    Run raw = run("preprocess", "--model", fixture("mllm-tiny").toString(), "--tiles", "--no-pre-resize",
        "--image", fixture("images/edge/wide_1000x50.png").toString(), "--output", out.toString());
    assertEquals(0, raw.code(), raw.err());
    assertTrue(raw.out().contains("1000x50 image -> 4 tiles (grid 1x3 of 56x56 + base)"), raw.out());
  }

  @Test
  void tilesErrorsAreOneLine(@TempDir Path dir) throws Exception {
    Run notLlava = run("preprocess", "--model", fixture("clip-tiny").toString(), "--tiles",
        "--image", fixture("images/cir_candi_1.png").toString(), "--output", dir.resolve("x.npy").toString());
    assertEquals(1, notLlava.code());
    assertTrue(notLlava.err().startsWith("error: ") && notLlava.err().contains("image_grid_pinpoints")
        && notLlava.err().strip().lines().count() == 1, notLlava.err());
    Run missing = run("preprocess", "--model", fixture("mllm-tiny").toString(), "--tiles",
        "--image", dir.resolve("nope.png").toString(), "--output", dir.resolve("x.npy").toString());
    assertEquals(1, missing.code());
    assertTrue(missing.err().contains("nope.png: image file not found"), missing.err());
    Run flag = run("preprocess", "--model", fixture("clip-tiny").toString(), "--no-pre-resize",
        "--image", fixture("images/cir_candi_1.png").toString(), "--output", dir.resolve("x.npy").toString());
    assertEquals(1, flag.code());
    assertTrue(flag.err().contains("--no-pre-resize only applies with --tiles"), flag.err());
  }
}
