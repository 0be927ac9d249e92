package dev.bgevl.tokenize;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** The clip-tiny tokenizer files from the test resources, as a folder (copied out when inside a jar). */
public final class TokenizerFixtures {
  static final String[] CLIP_TINY_FILES = {"config.json", "merges.txt", "special_tokens_map.json", "tokenizer.json",
      "tokenizer_config.json", "vocab.json"};
  private static Path clipTiny;

  private TokenizerFixtures() {}

  public static synchronized Path clipTinyDir() {
    if (clipTiny != null) return clipTiny;
    URL url = TokenizerFixtures.class.getResource("/fixtures/clip-tiny/tokenizer.json");
    if (url == null) throw new IllegalStateException("test resource /fixtures/clip-tiny/tokenizer.json missing");
    try {
      if (url.getProtocol().equals("file")) {
        clipTiny = Path.of(url.toURI()).getParent();
      } else {
        Path dir = Files.createTempDirectory("clip-tiny-tokenizer");
        copyInto(dir, CLIP_TINY_FILES);
        dir.toFile().deleteOnExit();
        clipTiny = dir;
      }
      return clipTiny;
    } catch (URISyntaxException | IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Copies the named clip-tiny files into dir. */
  public static void copyInto(Path dir, String... names) {
    for (String name : names) {
      try (InputStream in = TokenizerFixtures.class.getResourceAsStream("/fixtures/clip-tiny/" + name)) {
        if (in == null) throw new IllegalStateException("test resource /fixtures/clip-tiny/" + name + " missing");
        Files.copy(in, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
        dir.resolve(name).toFile().deleteOnExit();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
