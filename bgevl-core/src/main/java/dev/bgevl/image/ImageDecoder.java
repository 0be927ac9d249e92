package dev.bgevl.image;

import dev.bgevl.BgeVlException;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentSampleModel;
import java.awt.image.DataBuffer;
import java.awt.image.DataBufferByte;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.event.IIOReadWarningListener;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.stream.ImageInputStream;
import org.w3c.dom.NamedNodeMap;
import org.w3c.dom.Node;

/**
 * Decodes image files to 8-bit RGB exactly as {@code PIL.Image.open(p).convert("RGB")} does in Pillow
 * 9.4 (the reference stack), using ImageIO codecs (the JDK's plus TwelveMonkeys) but never their colour
 * conversion: samples are read from the decoded {@link Raster}s and mapped to RGB with Pillow's rules.
 *
 * <ul>
 *   <li>JPEG: the raw (upsampled, not colour-converted) components are converted with libjpeg's
 *       fixed-point YCbCr→RGB, so embedded ICC profiles are ignored as Pillow ignores them. 4-component
 *       JPEGs are treated as Adobe (inverted) CMYK and converted with Pillow's {@code cmyk2rgb}.</li>
 *   <li>Alpha is dropped without compositing (transparent pixels keep their stored colour); palettes are
 *       expanded (tRNS ignored); grey is replicated to R = G = B.</li>
 *   <li>16-bit: grey without alpha is clipped to 0..255 (Pillow opens it as mode {@code I}); colour and
 *       grey+alpha keep the high byte. 1/2/4-bit grey is scaled to 0..255.</li>
 *   <li>GIF: the first frame on the logical screen, the rest filled with the transparent index (else 0).</li>
 *   <li>EXIF orientation is ignored unless asked for (the reference ignores it).</li>
 * </ul>
 *
 * <p>Every failure a user can cause (missing, empty, oversized, truncated, corrupt or unsupported file)
 * is a one-line {@link BgeVlException} naming the file. Thread-safe.
 */
public final class ImageDecoder {
  static {
    ImageIO.setUseCache(false); // decode from memory, never through temporary files
  }

  private ImageDecoder() {}

  public static RgbImage decode(Path p, ImageLimits l) {
    return decode(p, l, false);
  }

  public static RgbImage decode(byte[] bytes, String name, ImageLimits l) {
    return decode(bytes, name, l, false);
  }

  /** Decodes a file; {@code applyExifOrientation} rotates/flips JPEGs per their EXIF Orientation tag. */
  public static RgbImage decode(Path p, ImageLimits l, boolean applyExifOrientation) {
    return decode(readFile(p, l), p.toString(), l, applyExifOrientation);
  }

  /**
   * The bytes of an image file, with the decoder's one-line errors (missing file, a folder, above
   * {@link ImageLimits#maxFileBytes()}, unreadable).
   */
  public static byte[] readFile(Path p, ImageLimits l) {
    String name = p.toString();
    long size;
    try {
      size = Files.size(p);
    } catch (NoSuchFileException e) {
      throw new BgeVlException(name + ": image file not found");
    } catch (IOException e) {
      throw new BgeVlException(name + ": cannot read image file (" + e.getMessage() + ")");
    }
    if (Files.isDirectory(p)) {
      throw new BgeVlException(name + ": is a directory, not an image file");
    }
    checkFileSize(name, size, l);
    try {
      return Files.readAllBytes(p);
    } catch (IOException e) {
      throw new BgeVlException(name + ": cannot read image file (" + e.getMessage() + ")");
    }
  }

  public static RgbImage decode(byte[] bytes, String name, ImageLimits l, boolean applyExifOrientation) {
    return (RgbImage) decode(bytes, name, l, applyExifOrientation, false);
  }

  /**
   * The samples Pillow holds for a 4-component (CMYK or YCCK) JPEG in its {@code "CMYK"} mode: libjpeg's
   * CMYK output read as {@code "CMYK;I"} (Adobe inverted), i.e. 255 minus each raw sample. What
   * {@code Image.open(p)} resizes before any {@code convert("RGB")}; {@link CmykImage#toRgb()} is that
   * conversion. Any other file is a one-line {@link BgeVlException}. EXIF orientation is not applied.
   */
  public static CmykImage decodeCmyk(byte[] bytes, String name, ImageLimits l) {
    return (CmykImage) decode(bytes, name, l, false, true);
  }

  /** Whether {@code bytes} are a JPEG whose frame has 4 components (Pillow opens it in mode CMYK). */
  public static boolean isCmykJpeg(byte[] bytes) {
    if (Format.sniff(bytes) != Format.JPEG) {
      return false;
    }
    try {
      return JpegHeader.parse(bytes, "").components == 4;
    } catch (BgeVlException e) {
      return false; // the decoder reports the problem with the file's name
    }
  }

  private static Object decode(byte[] bytes, String name, ImageLimits l, boolean applyExifOrientation, boolean cmyk) {
    if (bytes.length == 0) {
      throw new BgeVlException(name + ": empty image file (0 bytes)");
    }
    checkFileSize(name, bytes.length, l);
    Format format = Format.sniff(bytes);
    if (format == null) {
      throw new BgeVlException(name + ": unsupported or unrecognized image format (expected JPEG, PNG, GIF, BMP, WebP or TIFF)");
    }
    try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
      ImageReader reader = readerFor(in, format, name);
      try {
        Warnings warnings = new Warnings();
        reader.addIIOReadWarningListener(warnings);
        reader.setInput(in, true, format != Format.GIF && format != Format.JPEG);
        long w = reader.getWidth(0);
        long h = reader.getHeight(0);
        checkPixels(name, w, h, l);
        if (cmyk && format != Format.JPEG) {
          throw new BgeVlException(name + ": not a CMYK JPEG (a " + format.label + " image)");
        }
        if (cmyk) {
          Object c = decodeJpeg(reader, bytes, name, true);
          if (warnings.truncated != null) {
            throw new BgeVlException(name + ": truncated JPEG image (" + warnings.truncated + ")");
          }
          return c;
        }
        RgbImage img = switch (format) {
          case JPEG -> (RgbImage) decodeJpeg(reader, bytes, name, false);
          case GIF -> decodeGif(reader, name, l);
          case PNG -> fromRaster(reader.read(0), pngPaletteEntries(bytes), name);
          default -> fromRaster(reader.read(0), -1, name);
        };
        if (warnings.truncated != null) {
          throw new BgeVlException(name + ": truncated " + format.label + " image (" + warnings.truncated + ")");
        }
        if (applyExifOrientation && format == Format.JPEG) {
          img = Orientation.apply(img, Orientation.jpegExifOrientation(bytes));
        }
        return img;
      } finally {
        reader.dispose();
      }
    } catch (BgeVlException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      String msg = e.getMessage() == null ? e.getClass().getSimpleName() : oneLine(e.getMessage());
      Throwable cause = e.getCause();
      if (e instanceof java.io.EOFException || cause instanceof java.io.EOFException
          || e instanceof IndexOutOfBoundsException) {
        throw new BgeVlException(name + ": truncated " + format.label + " image (" + msg + ")", e);
      }
      throw new BgeVlException(name + ": corrupt " + format.label + " image (" + msg + ")", e);
    } catch (OutOfMemoryError e) {
      throw new BgeVlException(name + ": not enough memory to decode this image (" + e.getMessage() + ")");
    }
  }

  /**
   * Converts an in-memory image (already decoded by the caller) to RGB from its raster: 8-bit samples
   * as stored, palettes expanded, alpha dropped, grey replicated — Pillow's {@code convert("RGB")}.
   */
  public static RgbImage fromBufferedImage(BufferedImage img) {
    if (img == null) {
      throw new BgeVlException("image: null BufferedImage");
    }
    return fromRaster(img, -1, "BufferedImage " + img.getWidth() + "x" + img.getHeight());
  }

  private static void checkFileSize(String name, long size, ImageLimits l) {
    if (size > l.maxFileBytes()) {
      throw new BgeVlException(name + ": image file is " + size + " bytes, above the limit of " + l.maxFileBytes() + " bytes");
    }
  }

  private static void checkPixels(String name, long w, long h, ImageLimits l) {
    if (w < 1 || h < 1) {
      throw new BgeVlException(name + ": image declares an empty size " + w + "x" + h);
    }
    if (w * h > l.maxPixels()) {
      throw new BgeVlException(name + ": image is " + w + "x" + h + " = " + (w * h)
          + " pixels, above the limit of " + l.maxPixels() + " (possible decompression bomb); refused before decoding");
    }
    if (w * h * 4 > Integer.MAX_VALUE - 8) {
      throw new BgeVlException(name + ": image is " + w + "x" + h + ", too large to decode into one buffer");
    }
  }

  private static String oneLine(String s) {
    return s.replaceAll("\\s+", " ").trim();
  }

  private static ImageReader readerFor(ImageInputStream in, Format format, String name) throws IOException {
    if (in == null) {
      throw new BgeVlException(name + ": cannot open image stream");
    }
    Iterator<ImageReader> it = ImageIO.getImageReaders(in);
    if (!it.hasNext()) {
      it = ImageIO.getImageReadersByFormatName(format.imageIoName);
    }
    if (!it.hasNext()) {
      throw new BgeVlException(name + ": no decoder available for " + format.label + " images");
    }
    return it.next();
  }

  /** The container formats we accept, recognized from their first bytes. */
  enum Format {
    JPEG("JPEG", "jpeg"), PNG("PNG", "png"), GIF("GIF", "gif"), BMP("BMP", "bmp"), WEBP("WebP", "webp"), TIFF("TIFF", "tiff");

    final String label;
    final String imageIoName;

    Format(String label, String imageIoName) {
      this.label = label;
      this.imageIoName = imageIoName;
    }

    static Format sniff(byte[] b) {
      if (b.length >= 3 && (b[0] & 0xFF) == 0xFF && (b[1] & 0xFF) == 0xD8 && (b[2] & 0xFF) == 0xFF) {
        return JPEG;
      }
      if (b.length >= 8 && (b[0] & 0xFF) == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G') {
        return PNG;
      }
      if (b.length >= 6 && b[0] == 'G' && b[1] == 'I' && b[2] == 'F' && b[3] == '8') {
        return GIF;
      }
      if (b.length >= 2 && b[0] == 'B' && b[1] == 'M') {
        return BMP;
      }
      if (b.length >= 12 && b[0] == 'R' && b[1] == 'I' && b[2] == 'F' && b[3] == 'F'
          && b[8] == 'W' && b[9] == 'E' && b[10] == 'B' && b[11] == 'P') {
        return WEBP;
      }
      if (b.length >= 4 && ((b[0] == 'I' && b[1] == 'I' && b[2] == 42 && b[3] == 0)
          || (b[0] == 'M' && b[1] == 'M' && b[2] == 0 && b[3] == 42))) {
        return TIFF;
      }
      return null;
    }
  }

  /** Remembers the first warning that means the data ended early (libjpeg only warns, Pillow raises). */
  private static final class Warnings implements IIOReadWarningListener {
    volatile String truncated;

    @Override
    public void warningOccurred(ImageReader source, String warning) {
      String w = warning.toLowerCase(Locale.ROOT);
      if (truncated == null && (w.contains("premature end") || w.contains("truncated"))) {
        truncated = oneLine(warning);
      }
    }
  }

  // ---------------------------------------------------------------- JPEG

  /** An {@link RgbImage}, or with {@code cmyk} a {@link CmykImage} (4-component JPEGs only). */
  private static Object decodeJpeg(ImageReader reader, byte[] bytes, String name, boolean cmyk) throws IOException {
    JpegHeader hdr = JpegHeader.parse(bytes, name);
    boolean fourComponents = hdr.colorSpace == JpegHeader.Space.CMYK || hdr.colorSpace == JpegHeader.Space.YCCK;
    if (cmyk && !fourComponents) {
      throw new BgeVlException(name + ": not a CMYK JPEG (" + hdr.components + " components, " + hdr.colorSpace + ")");
    }
    Raster r = reader.readRaster(0, null);
    int w = r.getWidth(), h = r.getHeight();
    int bands = r.getNumBands();
    if (bands != hdr.components) {
      throw new BgeVlException(name + ": JPEG decoder returned " + bands + " components, header declares " + hdr.components);
    }
    byte[] rgb = cmyk ? null : new byte[w * h * 3];
    byte[] pillowCmyk = cmyk ? new byte[w * h * 4] : null;
    int[] planes = fancyH1v2(r, hdr); // non-null only for 4:4:0 components, see below
    // libjpeg hands back interleaved bytes: read them in place when the raster is laid out that way.
    byte[] data = null;
    int ss = 0, base = 0;
    if (planes == null && r.getDataBuffer() instanceof DataBufferByte dbb && dbb.getNumBanks() == 1
        && r.getSampleModel() instanceof ComponentSampleModel sm && sm.getPixelStride() == bands
        && r.getSampleModelTranslateX() == 0 && r.getSampleModelTranslateY() == 0
        && java.util.Arrays.equals(sm.getBandOffsets(), java.util.stream.IntStream.range(0, bands).toArray())) {
      data = dbb.getData();
      ss = sm.getScanlineStride();
      base = dbb.getOffset();
    }
    if (data != null && hdr.colorSpace == JpegHeader.Space.YCBCR) { // the common case, one tight loop
      Ycc.toRgb(data, base, ss, w, h, rgb);
      return new RgbImage(w, h, rgb);
    }
    byte[] tmp = new byte[3];
    int[] row = new int[w * bands];
    for (int y = 0; y < h; y++) {
      if (data != null) {
        int p = base + y * ss;
        for (int i = 0; i < w * bands; i++) {
          row[i] = data[p + i] & 0xFF;
        }
      } else if (planes != null) {
        System.arraycopy(planes, y * w * bands, row, 0, w * bands);
      } else {
        r.getPixels(r.getMinX(), r.getMinY() + y, w, 1, row);
      }
      int o = y * w * 3;
      switch (hdr.colorSpace) {
        case GRAY -> {
          for (int x = 0; x < w; x++, o += 3) {
            byte g = (byte) row[x];
            rgb[o] = g;
            rgb[o + 1] = g;
            rgb[o + 2] = g;
          }
        }
        case RGB -> {
          for (int i = 0; i < w * 3; i++) {
            rgb[o + i] = (byte) row[i];
          }
        }
        case YCBCR -> {
          for (int x = 0, p = 0; x < w; x++, p += 3, o += 3) {
            Ycc.toRgb(row[p], row[p + 1], row[p + 2], rgb, o);
          }
        }
        case CMYK, YCCK -> {
          for (int x = 0, p = 0; x < w; x++, p += 4, o += 3) {
            int c = row[p], m = row[p + 1], yy = row[p + 2], k = row[p + 3];
            if (hdr.colorSpace == JpegHeader.Space.YCCK) {
              // libjpeg's ycck_cmyk_convert: C, M, Y = 255 - (R, G, B of the YCC triple), K passes through.
              Ycc.toRgb(c, m, yy, tmp, 0);
              c = 255 - (tmp[0] & 0xFF);
              m = 255 - (tmp[1] & 0xFF);
              yy = 255 - (tmp[2] & 0xFF);
            }
            // Pillow reads 4-component JPEGs as "CMYK;I" (Adobe inverted), then convert("RGB") is cmyk2rgb.
            if (cmyk) {
              int q = (y * w + x) * 4;
              pillowCmyk[q] = (byte) (255 - c);
              pillowCmyk[q + 1] = (byte) (255 - m);
              pillowCmyk[q + 2] = (byte) (255 - yy);
              pillowCmyk[q + 3] = (byte) (255 - k);
            } else {
              cmykToRgb(255 - c, 255 - m, 255 - yy, 255 - k, rgb, o);
            }
          }
        }
      }
    }
    return cmyk ? new CmykImage(w, h, pillowCmyk) : new RgbImage(w, h, rgb);
  }

  /**
   * libjpeg-turbo 2.x (Pillow's decoder) upsamples 4:4:0 chroma with {@code h1v2_fancy_upsample}: output
   * row 2i = (3·c[i] + c[i−1] + 1) >> 2, row 2i+1 = (3·c[i] + c[i+1] + 2) >> 2, edges replicated. The
   * JDK's libjpeg 6b replicates rows instead, so row 2i of its output still holds the decoded c[i]:
   * recompute those components from it. Returns all samples interleaved, or null when no component is
   * 4:4:0 (the common case, read straight from the raster).
   */
  private static int[] fancyH1v2(Raster r, JpegHeader hdr) {
    boolean[] h1v2 = hdr.h1v2Components();
    boolean any = false;
    for (boolean b : h1v2) {
      any |= b;
    }
    if (!any) {
      return null;
    }
    int w = r.getWidth(), h = r.getHeight(), bands = r.getNumBands();
    int[] px = r.getPixels(r.getMinX(), r.getMinY(), w, h, (int[]) null);
    int n = (h + 1) / 2; // downsampled rows: ceil(h / 2)
    int[] ds = new int[n * w];
    for (int c = 0; c < bands; c++) {
      if (!h1v2[c]) {
        continue;
      }
      for (int i = 0; i < n; i++) {
        for (int x = 0; x < w; x++) {
          ds[i * w + x] = px[((2 * i) * w + x) * bands + c];
        }
      }
      for (int i = 0; i < n; i++) {
        int above = Math.max(i - 1, 0) * w, here = i * w, below = Math.min(i + 1, n - 1) * w;
        for (int x = 0; x < w; x++) {
          int v3 = ds[here + x] * 3;
          px[((2 * i) * w + x) * bands + c] = (v3 + ds[above + x] + 1) >> 2;
          if (2 * i + 1 < h) {
            px[((2 * i + 1) * w + x) * bands + c] = (v3 + ds[below + x] + 2) >> 2;
          }
        }
      }
    }
    return px;
  }

  /** Pillow's {@code cmyk2rgb}: R = clip8(nk - MULDIV255(C, nk)), nk = 255 - K. */
  static void cmykToRgb(int c, int m, int y, int k, byte[] out, int o) {
    int nk = 255 - k;
    out[o] = (byte) clip8(nk - mulDiv255(c, nk));
    out[o + 1] = (byte) clip8(nk - mulDiv255(m, nk));
    out[o + 2] = (byte) clip8(nk - mulDiv255(y, nk));
  }

  private static int mulDiv255(int a, int b) {
    int t = a * b + 128;
    return ((t >> 8) + t) >> 8;
  }

  private static int clip8(int v) {
    return v <= 0 ? 0 : Math.min(v, 255);
  }

  /** libjpeg's {@code jdcolor.c} YCbCr→RGB (16-bit fixed point tables), shared by libjpeg-turbo. */
  static final class Ycc {
    static final int SCALEBITS = 16;
    static final int ONE_HALF = 1 << (SCALEBITS - 1);
    /** FIX(1.40200), FIX(1.77200), FIX(0.71414), FIX(0.34414): the weights of Cr in R, Cb in B, Cr and Cb in G. */
    static final int CR_R_FIX = fix(1.40200), CB_B_FIX = fix(1.77200), CR_G_FIX = fix(0.71414), CB_G_FIX = fix(0.34414);
    private static final int[] CR_R = new int[256];
    private static final int[] CB_B = new int[256];
    private static final int[] CR_G = new int[256];
    private static final int[] CB_G = new int[256];

    static {
      for (int i = 0; i < 256; i++) {
        int x = i - 128;
        CR_R[i] = (CR_R_FIX * x + ONE_HALF) >> SCALEBITS;
        CB_B[i] = (CB_B_FIX * x + ONE_HALF) >> SCALEBITS;
        CR_G[i] = -CR_G_FIX * x;
        CB_G[i] = -CB_G_FIX * x + ONE_HALF;
      }
    }

    private static int fix(double v) {
      return (int) (v * (1L << SCALEBITS) + 0.5);
    }

    /** libjpeg's {@code range_limit}: clamps sums in [-512, 511] to 0..255 without branches. */
    private static final byte[] RANGE = new byte[1024];

    static {
      for (int i = 0; i < 1024; i++) {
        RANGE[i] = (byte) clip8(i - 512);
      }
    }

    /**
     * Converts interleaved YCbCr rows ({@code stride} bytes apart from {@code base}) to packed RGB: the
     * Vector API body ({@link VectorPixels#yccRow}, the same fixed-point formulas as the tables) takes
     * what whole vectors cover of each row, the table loop the rest (all of it without the module).
     */
    static void toRgb(byte[] ycc, int base, int stride, int w, int h, byte[] rgb) {
      toRgb(ycc, base, stride, w, h, rgb, PixelKernels.vector());
    }

    static void toRgb(byte[] ycc, int base, int stride, int w, int h, byte[] rgb, VectorPixels vec) {
      final byte[] range = RANGE;
      final int[] crR = CR_R, cbB = CB_B, crG = CR_G, cbG = CB_G;
      for (int y = 0; y < h; y++) {
        int p = base + y * stride, o = y * w * 3;
        int x = vec == null ? 0 : vec.yccRow(ycc, p, rgb, o, w);
        for (p += 3 * x, o += 3 * x; x < w; x++, p += 3, o += 3) {
          int lum = (ycc[p] & 0xFF) + 512, cb = ycc[p + 1] & 0xFF, cr = ycc[p + 2] & 0xFF;
          rgb[o] = range[lum + crR[cr]];
          rgb[o + 1] = range[lum + ((cbG[cb] + crG[cr]) >> SCALEBITS)];
          rgb[o + 2] = range[lum + cbB[cb]];
        }
      }
    }

    static void toRgb(int y, int cb, int cr, byte[] out, int o) {
      out[o] = (byte) clip8(y + CR_R[cr]);
      out[o + 1] = (byte) clip8(y + ((CB_G[cb] + CR_G[cr]) >> SCALEBITS));
      out[o + 2] = (byte) clip8(y + CB_B[cb]);
    }
  }

  // ---------------------------------------------------------------- GIF

  private static RgbImage decodeGif(ImageReader reader, String name, ImageLimits l) throws IOException {
    int screenW = reader.getWidth(0), screenH = reader.getHeight(0), left = 0, top = 0, transparent = -1;
    IIOMetadata sm = reader.getStreamMetadata();
    if (sm != null) {
      Node lsd = child(sm.getAsTree("javax_imageio_gif_stream_1.0"), "LogicalScreenDescriptor");
      if (lsd != null) {
        screenW = Math.max(1, intAttr(lsd, "logicalScreenWidth", screenW));
        screenH = Math.max(1, intAttr(lsd, "logicalScreenHeight", screenH));
      }
    }
    checkPixels(name, screenW, screenH, l); // the canvas Pillow allocates, checked before decoding
    BufferedImage frame = reader.read(0);
    IIOMetadata im = reader.getImageMetadata(0);
    if (im != null) {
      Node root = im.getAsTree("javax_imageio_gif_image_1.0");
      Node desc = child(root, "ImageDescriptor");
      if (desc != null) {
        left = intAttr(desc, "imageLeftPosition", 0);
        top = intAttr(desc, "imageTopPosition", 0);
      }
      Node gce = child(root, "GraphicControlExtension");
      if (gce != null && "TRUE".equalsIgnoreCase(attr(gce, "transparentColorFlag"))) {
        transparent = intAttr(gce, "transparentColorIndex", -1);
      }
    }
    if (!(frame.getColorModel() instanceof IndexColorModel icm)) {
      return fromRaster(frame, -1, name);
    }
    // Pillow's first frame: a screen-sized P image filled with the transparent index (else 0), the frame pasted in.
    int n = icm.getMapSize();
    byte[] pr = new byte[Math.max(n, 256)], pg = new byte[pr.length], pb = new byte[pr.length];
    icm.getReds(pr);
    icm.getGreens(pg);
    icm.getBlues(pb);
    int fillIdx = transparent >= 0 ? transparent : 0;
    byte[] rgb = new byte[screenW * screenH * 3];
    for (int i = 0, o = 0; i < screenW * screenH; i++, o += 3) {
      rgb[o] = pr[fillIdx & 0xFF];
      rgb[o + 1] = pg[fillIdx & 0xFF];
      rgb[o + 2] = pb[fillIdx & 0xFF];
    }
    Raster r = frame.getRaster();
    int fw = frame.getWidth(), fh = frame.getHeight();
    int[] row = new int[fw];
    for (int y = 0; y < fh; y++) {
      int sy = top + y;
      if (sy < 0 || sy >= screenH) {
        continue;
      }
      r.getSamples(r.getMinX(), r.getMinY() + y, fw, 1, 0, row);
      for (int x = 0; x < fw; x++) {
        int sx = left + x;
        if (sx < 0 || sx >= screenW) {
          continue;
        }
        int idx = row[x] & 0xFF;
        int o = (sy * screenW + sx) * 3;
        rgb[o] = pr[idx];
        rgb[o + 1] = pg[idx];
        rgb[o + 2] = pb[idx];
      }
    }
    return new RgbImage(screenW, screenH, rgb);
  }

  private static Node child(Node n, String name) {
    for (Node c = n.getFirstChild(); c != null; c = c.getNextSibling()) {
      if (name.equals(c.getNodeName())) {
        return c;
      }
    }
    return null;
  }

  private static String attr(Node n, String name) {
    NamedNodeMap a = n.getAttributes();
    Node v = a == null ? null : a.getNamedItem(name);
    return v == null ? null : v.getNodeValue();
  }

  private static int intAttr(Node n, String name, int dflt) {
    String v = attr(n, name);
    try {
      return v == null ? dflt : Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      return dflt;
    }
  }

  // ---------------------------------------------------------------- generic rasters

  /**
   * RGB from a decoded image's raster and colour model, with Pillow's conversion rules.
   *
   * @param paletteEntries entries the file's palette really has (-1: all of the colour model's); Pillow
   *                       maps indices past them to its default grey ramp (i, i, i)
   */
  static RgbImage fromRaster(BufferedImage img, int paletteEntries, String name) {
    ColorModel cm = img.getColorModel();
    Raster r = img.getRaster();
    int w = img.getWidth(), h = img.getHeight();
    byte[] rgb = new byte[Math.multiplyExact(Math.multiplyExact(w, h), 3)];
    if (cm instanceof IndexColorModel icm) {
      int n = paletteEntries >= 0 ? Math.min(paletteEntries, icm.getMapSize()) : icm.getMapSize();
      byte[] pr = new byte[256], pg = new byte[256], pb = new byte[256];
      for (int i = 0; i < 256; i++) { // Pillow's palette default for entries past the table: grey ramp
        pr[i] = pg[i] = pb[i] = (byte) i;
      }
      byte[] tr = new byte[icm.getMapSize()], tg = new byte[tr.length], tb = new byte[tr.length];
      icm.getReds(tr);
      icm.getGreens(tg);
      icm.getBlues(tb);
      System.arraycopy(tr, 0, pr, 0, Math.min(n, 256));
      System.arraycopy(tg, 0, pg, 0, Math.min(n, 256));
      System.arraycopy(tb, 0, pb, 0, Math.min(n, 256));
      int[] row = new int[w];
      for (int y = 0; y < h; y++) {
        r.getSamples(r.getMinX(), r.getMinY() + y, w, 1, 0, row);
        for (int x = 0, o = y * w * 3; x < w; x++, o += 3) {
          int idx = row[x] & 0xFF;
          rgb[o] = pr[idx];
          rgb[o + 1] = pg[idx];
          rgb[o + 2] = pb[idx];
        }
      }
      return new RgbImage(w, h, rgb);
    }
    int csType = cm.getColorSpace().getType();
    int colorBands = cm.getNumColorComponents();
    boolean hasAlpha = cm.hasAlpha();
    int bits = cm.getComponentSize(0);
    if (r.getTransferType() == DataBuffer.TYPE_FLOAT || r.getTransferType() == DataBuffer.TYPE_DOUBLE) {
      throw new BgeVlException(name + ": floating-point images are not supported");
    }
    boolean gray = csType == ColorSpace.TYPE_GRAY && colorBands == 1;
    boolean color = csType == ColorSpace.TYPE_RGB && colorBands == 3;
    boolean cmyk = csType == ColorSpace.TYPE_CMYK && colorBands == 4;
    if (!gray && !color && !cmyk) {
      throw new BgeVlException(name + ": unsupported colour space (type " + csType + ", " + colorBands + " components)");
    }
    // The 8-bit fast path: byte rasters with interleaved or banded samples, read in place.
    if (bits == 8 && r.getDataBuffer() instanceof DataBufferByte dbb && dbb.getNumBanks() == 1
        && r.getSampleModel() instanceof ComponentSampleModel sm
        && r.getSampleModelTranslateX() == 0 && r.getSampleModelTranslateY() == 0) {
      byte[] d = dbb.getData();
      int ps = sm.getPixelStride(), ss = sm.getScanlineStride();
      int[] off = sm.getBandOffsets();
      int base = dbb.getOffset();
      for (int y = 0; y < h; y++) {
        int p = base + y * ss;
        int o = y * w * 3;
        if (gray) {
          for (int x = 0; x < w; x++, p += ps, o += 3) {
            byte g = d[p + off[0]];
            rgb[o] = g;
            rgb[o + 1] = g;
            rgb[o + 2] = g;
          }
        } else if (color) {
          int o0 = off[0], o1 = off[1], o2 = off[2];
          for (int x = 0; x < w; x++, p += ps, o += 3) {
            rgb[o] = d[p + o0];
            rgb[o + 1] = d[p + o1];
            rgb[o + 2] = d[p + o2];
          }
        } else {
          for (int x = 0; x < w; x++, p += ps, o += 3) {
            cmykToRgb(d[p + off[0]] & 0xFF, d[p + off[1]] & 0xFF, d[p + off[2]] & 0xFF, d[p + off[3]] & 0xFF, rgb, o);
          }
        }
      }
      return new RgbImage(w, h, rgb);
    }
    // General path: unpacked samples per pixel (handles packed ints, 16-bit, sub-byte grey).
    int nb = r.getNumBands();
    int[] sizes = cm.getComponentSize();
    int[] row = new int[w * nb];
    boolean clip16 = gray && !hasAlpha; // Pillow: PNG mode I / TIFF I;16 → L clips at 255
    for (int y = 0; y < h; y++) {
      r.getPixels(r.getMinX(), r.getMinY() + y, w, 1, row);
      for (int x = 0, p = 0, o = y * w * 3; x < w; x++, p += nb, o += 3) {
        if (gray) {
          int g = to8(row[p], sizes[0], clip16);
          rgb[o] = (byte) g;
          rgb[o + 1] = (byte) g;
          rgb[o + 2] = (byte) g;
        } else if (color) {
          rgb[o] = (byte) to8(row[p], sizes[0], false);
          rgb[o + 1] = (byte) to8(row[p + 1], sizes[1], false);
          rgb[o + 2] = (byte) to8(row[p + 2], sizes[2], false);
        } else {
          cmykToRgb(to8(row[p], sizes[0], false), to8(row[p + 1], sizes[1], false),
              to8(row[p + 2], sizes[2], false), to8(row[p + 3], sizes[3], false), rgb, o);
        }
      }
    }
    return new RgbImage(w, h, rgb);
  }

  /** Entries in a PNG's PLTE chunk (length / 3), or -1 when it has none. */
  static int pngPaletteEntries(byte[] b) {
    int i = 8;
    while (i + 8 <= b.length) {
      long len = ((b[i] & 0xFFL) << 24) | ((b[i + 1] & 0xFF) << 16) | ((b[i + 2] & 0xFF) << 8) | (b[i + 3] & 0xFF);
      if (b[i + 4] == 'P' && b[i + 5] == 'L' && b[i + 6] == 'T' && b[i + 7] == 'E') {
        return (int) (len / 3);
      }
      if (b[i + 4] == 'I' && b[i + 5] == 'D' && b[i + 6] == 'A' && b[i + 7] == 'T') {
        return -1;
      }
      i += 12 + (int) Math.min(len, Integer.MAX_VALUE - 12);
      if (i < 0) {
        return -1;
      }
    }
    return -1;
  }

  /** One sample to 8 bits as Pillow's unpackers do: high byte of 16-bit (or clip), integer scale below 8. */
  private static int to8(int v, int bits, boolean clip16) {
    if (bits == 8) {
      return v & 0xFF;
    }
    if (bits == 16) {
      return clip16 ? Math.min(v, 255) : (v >>> 8) & 0xFF;
    }
    if (bits < 8) {
      return v * 255 / ((1 << bits) - 1);
    }
    return (v >>> (bits - 8)) & 0xFF;
  }
}
