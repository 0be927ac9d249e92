package dev.bgevl.image;

import dev.bgevl.BgeVlException;

/**
 * The JPEG markers that decide how raw components become RGB: frame component count and ids, JFIF and
 * Adobe APP14 markers (libjpeg's {@code default_decompress_parms} rules), and the EXIF APP1 offset.
 */
final class JpegHeader {
  enum Space { GRAY, RGB, YCBCR, CMYK, YCCK }

  final int components;
  final Space colorSpace;
  /** Sampling factors per component, from the frame header. */
  final int[] hSamp, vSamp;
  /** Offset of the TIFF header inside an {@code Exif\0\0} APP1 segment, or -1. */
  final int exifTiffOffset;
  final int exifLength;

  private JpegHeader(int components, Space colorSpace, int[] hSamp, int[] vSamp, int exifTiffOffset, int exifLength) {
    this.components = components;
    this.colorSpace = colorSpace;
    this.hSamp = hSamp;
    this.vSamp = vSamp;
    this.exifTiffOffset = exifTiffOffset;
    this.exifLength = exifLength;
  }

  static JpegHeader parse(byte[] b, String name) {
    int i = 2;
    boolean jfif = false;
    int adobeTransform = -1;
    int components = -1;
    int[] ids = null;
    int[] hs = null, vs = null;
    int exifOff = -1, exifLen = 0;
    while (i + 4 <= b.length) {
      if ((b[i] & 0xFF) != 0xFF) {
        throw new BgeVlException(name + ": corrupt JPEG image (no marker at byte " + i + ")");
      }
      int m = b[i + 1] & 0xFF;
      if (m == 0xFF) { // fill byte
        i++;
        continue;
      }
      i += 2;
      if (m == 0x01 || (m >= 0xD0 && m <= 0xD7)) {
        continue;
      }
      if (m == 0xD9) {
        break;
      }
      int len = ((b[i] & 0xFF) << 8) | (b[i + 1] & 0xFF);
      if (len < 2 || i + len > b.length) {
        throw new BgeVlException(name + ": truncated JPEG image (segment 0x" + Integer.toHexString(m) + " runs past the end)");
      }
      int p = i + 2, plen = len - 2;
      if (m == 0xE0 && plen >= 5 && b[p] == 'J' && b[p + 1] == 'F' && b[p + 2] == 'I' && b[p + 3] == 'F' && b[p + 4] == 0) {
        jfif = true;
      } else if (m == 0xEE && plen >= 12 && b[p] == 'A' && b[p + 1] == 'd' && b[p + 2] == 'o' && b[p + 3] == 'b' && b[p + 4] == 'e') {
        adobeTransform = b[p + 11] & 0xFF;
      } else if (m == 0xE1 && exifOff < 0 && plen >= 14 && b[p] == 'E' && b[p + 1] == 'x' && b[p + 2] == 'i' && b[p + 3] == 'f'
          && b[p + 4] == 0 && b[p + 5] == 0) {
        exifOff = p + 6;
        exifLen = plen - 6;
      } else if (isSof(m) && plen >= 6) {
        if (m >= 0xC9) {
          throw new BgeVlException(name + ": unsupported JPEG: arithmetic coding (SOF 0x" + Integer.toHexString(m)
              + ") is not supported by the JDK decoder; re-encode it with Huffman coding");
        }
        if (m == 0xC3 || m >= 0xC5) {
          throw new BgeVlException(name + ": unsupported JPEG: lossless/hierarchical coding (SOF 0x" + Integer.toHexString(m) + ")");
        }
        if ((b[p] & 0xFF) != 8) {
          throw new BgeVlException(name + ": unsupported JPEG: " + (b[p] & 0xFF) + "-bit samples (only 8-bit, as in Pillow)");
        }
        components = b[p + 5] & 0xFF;
        ids = new int[components];
        hs = new int[components];
        vs = new int[components];
        for (int c = 0; c < components && p + 7 + c * 3 < b.length; c++) {
          ids[c] = b[p + 6 + c * 3] & 0xFF;
          hs[c] = (b[p + 7 + c * 3] & 0xFF) >> 4;
          vs[c] = b[p + 7 + c * 3] & 0x0F;
        }
      } else if (m == 0xDA) {
        break;
      }
      i += len;
    }
    if (components < 0) {
      throw new BgeVlException(name + ": truncated or corrupt JPEG image (no frame header)");
    }
    Space s = switch (components) {
      case 1 -> Space.GRAY;
      case 3 -> {
        if (jfif) {
          yield Space.YCBCR;
        }
        if (adobeTransform >= 0) {
          yield adobeTransform == 0 ? Space.RGB : Space.YCBCR;
        }
        yield (ids[0] == 'R' && ids[1] == 'G' && ids[2] == 'B') ? Space.RGB : Space.YCBCR;
      }
      case 4 -> adobeTransform < 0 || adobeTransform == 0 ? Space.CMYK : Space.YCCK;
      default -> throw new BgeVlException(name + ": unsupported JPEG with " + components + " components");
    };
    return new JpegHeader(components, s, hs, vs, exifOff, exifLen);
  }

  /**
   * Components that libjpeg-turbo 2.x upsamples with its 4:4:0 "fancy" filter (h1v2_fancy_upsample:
   * full horizontal, half vertical resolution) but the JDK's libjpeg 6b replicates rows for.
   */
  boolean[] h1v2Components() {
    int hmax = 0, vmax = 0;
    for (int c = 0; c < components; c++) {
      hmax = Math.max(hmax, hSamp[c]);
      vmax = Math.max(vmax, vSamp[c]);
    }
    boolean[] out = new boolean[components];
    for (int c = 0; c < components; c++) {
      out[c] = hSamp[c] == hmax && vSamp[c] * 2 == vmax;
    }
    return out;
  }

  private static boolean isSof(int m) {
    return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
  }
}
