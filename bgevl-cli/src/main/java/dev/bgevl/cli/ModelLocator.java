package dev.bgevl.cli;

import dev.bgevl.BgeVlException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Turns a {@code --model} argument into a local model folder. */
final class ModelLocator {
  private ModelLocator() {}

  static Path resolve(String model) {
    Path p = Path.of(model);
    if (Files.isDirectory(p)) {
      return p;
    }
    throw new BgeVlException(model + ": model folder not found");
  }
}
