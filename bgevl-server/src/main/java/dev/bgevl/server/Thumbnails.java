package dev.bgevl.server;

import dev.bgevl.BgeVlException;
import dev.bgevl.image.ImageDecoder;
import dev.bgevl.image.ImageLimits;
import dev.bgevl.image.RgbImage;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * JPEG thumbnails (longest side at most {@code thumbnailSize}) of indexed image files, decoded the
 * way the model sees them and kept in a small LRU cache keyed by path, size and mtime.
 */
final class Thumbnails {
  private static final int CACHE_ENTRIES = 512;

  private final ServerConfig config;
  private final ImageLimits limits;
  private final Map<String, byte[]> cache = new LinkedHashMap<>(64, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, byte[]> e) {
      return size() > CACHE_ENTRIES;
    }
  };

  Thumbnails(ServerConfig config) {
    this.config = config;
    this.limits = new ImageLimits(config.maxImagePixels(), Math.max(config.maxImageBytes(), 256L << 20));
  }

  byte[] get(Path file) {
    BasicFileAttributes a;
    try {
      a = Files.readAttributes(file, BasicFileAttributes.class);
    } catch (IOException e) {
      throw ApiException.notFound("the image file of this document is gone: " + file);
    }
    if (!a.isRegularFile()) {
      throw ApiException.notFound("the image of this document is not a file: " + file);
    }
    String key = file + "\u0000" + a.size() + "\u0000" + a.lastModifiedTime().toMillis();
    synchronized (cache) {
      byte[] hit = cache.get(key);
      if (hit != null) {
        return hit;
      }
    }
    byte[] jpeg = render(file);
    synchronized (cache) {
      cache.put(key, jpeg);
    }
    return jpeg;
  }

  private byte[] render(Path file) {
    RgbImage rgb;
    try {
      rgb = ImageDecoder.decode(file, limits);
    } catch (BgeVlException e) {
      throw new ApiException(422, ApiException.INVALID_REQUEST, "cannot make a thumbnail: " + e.getMessage());
    }
    int w = rgb.width();
    int h = rgb.height();
    BufferedImage src = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    int[] row = new int[w];
    byte[] px = rgb.rgb();
    for (int y = 0; y < h; y++) {
      int o = y * w * 3;
      for (int x = 0; x < w; x++, o += 3) {
        row[x] = (px[o] & 0xff) << 16 | (px[o + 1] & 0xff) << 8 | (px[o + 2] & 0xff);
      }
      src.setRGB(0, y, w, 1, row, 0, w);
    }
    int max = config.thumbnailSize();
    BufferedImage img = src;
    // halve with bilinear filtering until within 2x of the target, then one final step: cheap and smooth
    while (Math.max(img.getWidth(), img.getHeight()) > 2 * max) {
      img = scale(img, Math.max(1, img.getWidth() / 2), Math.max(1, img.getHeight() / 2));
    }
    int longest = Math.max(img.getWidth(), img.getHeight());
    if (longest > max) {
      double f = (double) max / longest;
      img = scale(img, Math.max(1, (int) Math.round(img.getWidth() * f)), Math.max(1, (int) Math.round(img.getHeight() * f)));
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      ImageIO.write(img, "jpg", out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static BufferedImage scale(BufferedImage src, int w, int h) {
    BufferedImage dst = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = dst.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
      g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
      g.drawImage(src, 0, 0, w, h, null);
    } finally {
      g.dispose();
    }
    return dst;
  }
}
