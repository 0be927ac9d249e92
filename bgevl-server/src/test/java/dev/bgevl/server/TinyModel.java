package dev.bgevl.server;

import dev.bgevl.BgeVl;
import dev.bgevl.testing.Fixtures;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The tiny CLIP fixture model, loaded once per test JVM, and fixture image bytes. */
final class TinyModel {
  private static BgeVl model;

  static synchronized BgeVl get() {
    if (model == null) {
      model = BgeVl.load(Fixtures.model("clip-tiny"));
    }
    return model;
  }

  static Path image(String relative) {
    return Fixtures.image("images/" + relative);
  }

  static byte[] bytes(String relative) {
    try {
      return Files.readAllBytes(image(relative));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private TinyModel() {}
}
