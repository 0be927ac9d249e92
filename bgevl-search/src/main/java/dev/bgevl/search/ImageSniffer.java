package dev.bgevl.search;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** Tells image files by their first bytes (magic numbers), not by their names. */
public final class ImageSniffer {
  private ImageSniffer() {}

  /** The format name (jpeg, png, gif, bmp, webp, tiff) or null when the bytes are no image we know. */
  public static String format(byte[] h, int n) {
    if (n >= 3 && (h[0] & 0xff) == 0xFF && (h[1] & 0xff) == 0xD8 && (h[2] & 0xff) == 0xFF) return "jpeg";
    if (n >= 8 && (h[0] & 0xff) == 0x89 && h[1] == 'P' && h[2] == 'N' && h[3] == 'G' && h[4] == 0x0D && h[5] == 0x0A
        && h[6] == 0x1A && h[7] == 0x0A) return "png";
    if (n >= 6 && h[0] == 'G' && h[1] == 'I' && h[2] == 'F' && h[3] == '8' && (h[4] == '7' || h[4] == '9') && h[5] == 'a') return "gif";
    if (n >= 12 && h[0] == 'R' && h[1] == 'I' && h[2] == 'F' && h[3] == 'F' && h[8] == 'W' && h[9] == 'E' && h[10] == 'B' && h[11] == 'P') return "webp";
    if (n >= 4 && ((h[0] == 'I' && h[1] == 'I' && h[2] == 42 && h[3] == 0) || (h[0] == 'M' && h[1] == 'M' && h[2] == 0 && h[3] == 42))) return "tiff";
    if (n >= 14 && h[0] == 'B' && h[1] == 'M') return "bmp";
    return null;
  }

  /** The format of the file's content, or null; IOException when it cannot be read. */
  public static String format(Path p) throws IOException {
    byte[] h = new byte[16];
    int n = 0;
    try (InputStream in = Files.newInputStream(p)) {
      while (n < h.length) {
        int r = in.read(h, n, h.length - n);
        if (r < 0) break;
        n += r;
      }
    }
    return format(h, n);
  }
}
