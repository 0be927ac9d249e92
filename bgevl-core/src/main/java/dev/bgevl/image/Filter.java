package dev.bgevl.image;

/**
 * Pillow's resampling filters, with the integer codes used by {@code PIL.Image.Resampling} and by the
 * {@code resample} key of Hugging Face {@code preprocessor_config.json}.
 */
public enum Filter {
  NEAREST(0, 0.0),
  LANCZOS(1, 3.0),
  BILINEAR(2, 1.0),
  BICUBIC(3, 2.0),
  BOX(4, 0.5),
  HAMMING(5, 1.0);

  private final int pillowCode;
  final double support;

  Filter(int pillowCode, double support) {
    this.pillowCode = pillowCode;
    this.support = support;
  }

  public int pillowCode() {
    return pillowCode;
  }

  public static Filter fromPillowCode(int code) {
    for (Filter f : values()) {
      if (f.pillowCode == code) {
        return f;
      }
    }
    throw new IllegalArgumentException("unknown Pillow resampling filter " + code + " (expected 0..5)");
  }

  /** The filter kernel, as Pillow's {@code Resample.c} evaluates it (double precision). */
  double weight(double x) {
    switch (this) {
      case BOX:
        return (x > -0.5 && x <= 0.5) ? 1.0 : 0.0;
      case BILINEAR:
        x = Math.abs(x);
        return x < 1.0 ? 1.0 - x : 0.0;
      case HAMMING: {
        x = Math.abs(x);
        if (x == 0.0) {
          return 1.0;
        }
        if (x >= 1.0) {
          return 0.0;
        }
        x = x * Math.PI;
        // Pillow writes the window constants as float literals (0.54f, 0.46f).
        return Math.sin(x) / x * ((double) 0.54f + (double) 0.46f * Math.cos(x));
      }
      case BICUBIC: {
        final double a = -0.5;
        x = Math.abs(x);
        if (x < 1.0) {
          return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
        }
        if (x < 2.0) {
          return (((x - 5) * x + 8) * x - 4) * a;
        }
        return 0.0;
      }
      case LANCZOS:
        return (-3.0 <= x && x < 3.0) ? sinc(x) * sinc(x / 3) : 0.0;
      default:
        throw new IllegalStateException("NEAREST has no kernel");
    }
  }

  private static double sinc(double x) {
    if (x == 0.0) {
      return 1.0;
    }
    x = x * Math.PI;
    return Math.sin(x) / x;
  }
}
