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
}
