package dev.bgevl.image;

/**
 * EXIF orientation (tag 0x0112) and the transposition {@code PIL.ImageOps.exif_transpose} applies for
 * each value. Not used by default: the reference (Hugging Face + Pillow {@code Image.open}) ignores it.
 */
final class Orientation {
  private Orientation() {}

  /** The Orientation value from a JPEG's EXIF APP1 segment, 1 when absent or unreadable. */
  static int jpegExifOrientation(byte[] jpeg) {
    JpegHeader h;
    try {
      h = JpegHeader.parse(jpeg, "");
    } catch (RuntimeException e) {
      return 1;
    }
    int t = h.exifTiffOffset;
    if (t < 0 || h.exifLength < 8) {
      return 1;
    }
    int end = t + h.exifLength;
    boolean le = jpeg[t] == 'I';
    int ifd = t + u32(jpeg, t + 4, le);
    if (ifd < t || ifd + 2 > end) {
      return 1;
    }
    int n = u16(jpeg, ifd, le);
    for (int e = 0; e < n; e++) {
      int p = ifd + 2 + e * 12;
      if (p + 12 > end) {
        return 1;
      }
      if (u16(jpeg, p, le) == 0x0112) {
        int v = u16(jpeg, p + 8, le);
        return v >= 1 && v <= 8 ? v : 1;
      }
    }
    return 1;
  }

  private static int u16(byte[] b, int p, boolean le) {
    return le ? (b[p] & 0xFF) | (b[p + 1] & 0xFF) << 8 : (b[p] & 0xFF) << 8 | (b[p + 1] & 0xFF);
  }

  private static int u32(byte[] b, int p, boolean le) {
    return le ? u16(b, p, true) | u16(b, p + 2, true) << 16 : u16(b, p, false) << 16 | u16(b, p + 2, false);
  }

  /**
   * Applies {@code exif_transpose}'s method for an orientation: 2 mirror, 3 rotate 180, 4 flip, 5
   * transpose, 6 rotate 270 (clockwise 90), 7 transverse, 8 rotate 90 (counter-clockwise).
   */
  static RgbImage apply(RgbImage in, int orientation) {
    if (orientation <= 1 || orientation > 8) {
      return in;
    }
    int w = in.width(), h = in.height();
    boolean swap = orientation >= 5;
    int ow = swap ? h : w, oh = swap ? w : h;
    byte[] src = in.rgb(), out = new byte[src.length];
    for (int y = 0; y < oh; y++) {
      for (int x = 0; x < ow; x++) {
        int sx, sy;
        switch (orientation) {
          case 2 -> { sx = w - 1 - x; sy = y; }
          case 3 -> { sx = w - 1 - x; sy = h - 1 - y; }
          case 4 -> { sx = x; sy = h - 1 - y; }
          case 5 -> { sx = y; sy = x; }
          case 6 -> { sx = y; sy = h - 1 - x; }
          case 7 -> { sx = w - 1 - y; sy = h - 1 - x; }
          default -> { sx = w - 1 - y; sy = x; }
        }
        System.arraycopy(src, (sy * w + sx) * 3, out, (y * ow + x) * 3, 3);
      }
    }
    return new RgbImage(ow, oh, out);
  }
}
