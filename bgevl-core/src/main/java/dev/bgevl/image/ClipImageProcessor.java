package dev.bgevl.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bgevl.BgeVlException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Hugging Face's slow {@code CLIPImageProcessor} (transformers 4.45) for one RGB image, configured from
 * {@code preprocessor_config.json}:
 *
 * <ol>
 *   <li>resize so the shortest edge is {@code size.shortest_edge} ({@code get_resize_output_image_size}
 *       with {@code default_to_square=False}: long = int(short_target · long / short)), with Pillow's
 *       uint8 resampler ({@link Resampler}; {@code resample} 3 = BICUBIC); or to {@code size.height ×
 *       size.width} when given that way;</li>
 *   <li>center crop to {@code crop_size} like {@code image_transforms.center_crop}: top = (h − ch) // 2,
 *       zero padding (centred, ceil) when the image is smaller than the crop;</li>
 *   <li>rescale in float64 ({@code uint8 · rescale_factor}) then cast to float32;</li>
 *   <li>normalize in float32: {@code (x − mean) / std} with mean and std cast to float32;</li>
 *   <li>channels first: {@code pixel_values} [3, H, W].</li>
 * </ol>
 *
 * Steps 3–4 map each uint8 value through a per-channel 256-entry table computed with exactly those
 * operations, so results are bit-identical to numpy. Immutable and thread-safe.
 *
 * <p>Hugging Face quirk, deliberately not reproduced: transformers infers the channel axis from the
 * first image of a call, and an H×W×3 array with H ∈ {1, 3} is read as channels-first (a 1-pixel-high
 * image then fails in {@code normalize}, a 3-high one is resized as a wrong shape). The reference
 * fixtures record the intended channels-last result, which is what this class computes;
 * {@link #hfMisreadsChannels} tells which images are affected.
 */
public final class ClipImageProcessor {
  /** OpenAI CLIP's normalization, transformers' {@code OPENAI_CLIP_MEAN} / {@code OPENAI_CLIP_STD}. */
  private static final double[] CLIP_MEAN = {0.48145466, 0.4578275, 0.40821073};
  private static final double[] CLIP_STD = {0.26862954, 0.26130258, 0.27577711};

  private final boolean doResize;
  private final int shortestEdge;       // > 0 when resizing by shortest edge
  private final int resizeH, resizeW;   // > 0 when resizing to a fixed size
  private final Filter resample;
  private final boolean doCenterCrop;
  private final int cropH, cropW;
  private final boolean doRescale;
  private final double rescaleFactor;
  private final boolean doNormalize;
  private final float[] mean, std;
  private final float[] lut;            // [c·256 + v]: uint8 v of channel c → rescaled, normalized float32

  /** All the processor settings; {@code shortestEdge} or ({@code resizeH}, {@code resizeW}) is used. */
  public ClipImageProcessor(boolean doResize, int shortestEdge, int resizeH, int resizeW, Filter resample,
                            boolean doCenterCrop, int cropH, int cropW, boolean doRescale, double rescaleFactor,
                            boolean doNormalize, double[] mean, double[] std) {
    if (doResize && shortestEdge <= 0 && (resizeH <= 0 || resizeW <= 0)) {
      throw new IllegalArgumentException("resize needs shortest_edge > 0 or height and width > 0");
    }
    if (doCenterCrop && (cropH <= 0 || cropW <= 0)) {
      throw new IllegalArgumentException("crop_size must be positive, got " + cropH + "x" + cropW);
    }
    if (mean.length != 3 || std.length != 3) {
      throw new IllegalArgumentException("image_mean and image_std need 3 values, got " + mean.length + " and " + std.length);
    }
    this.doResize = doResize;
    this.shortestEdge = shortestEdge;
    this.resizeH = resizeH;
    this.resizeW = resizeW;
    this.resample = resample;
    this.doCenterCrop = doCenterCrop;
    this.cropH = cropH;
    this.cropW = cropW;
    this.doRescale = doRescale;
    this.rescaleFactor = rescaleFactor;
    this.doNormalize = doNormalize;
    this.mean = new float[3];
    this.std = new float[3];
    this.lut = new float[3 * 256];
    for (int c = 0; c < 3; c++) {
      this.mean[c] = (float) mean[c]; // np.array(mean, dtype=float32)
      this.std[c] = (float) std[c];
      for (int v = 0; v < 256; v++) {
        float x = doRescale ? (float) (v * rescaleFactor) : (float) v; // float64 multiply, then astype(float32)
        lut[c * 256 + v] = doNormalize ? (x - this.mean[c]) / this.std[c] : x;
      }
    }
  }

  /** Reads {@code preprocessor_config.json} from a model folder. */
  public static ClipImageProcessor load(Path modelDir) {
    Path f = modelDir.resolve("preprocessor_config.json");
    JsonNode n;
    try {
      n = new ObjectMapper().readTree(Files.readAllBytes(f));
    } catch (NoSuchFileException e) {
      throw new BgeVlException(f + ": preprocessor config not found");
    } catch (IOException e) {
      throw new BgeVlException(f + ": invalid JSON (" + e.getMessage().lines().findFirst().orElse("") + ")");
    }
    return fromJson(n, f.toString());
  }

  /** Builds from parsed {@code preprocessor_config.json}, applying {@code CLIPImageProcessor} defaults. */
  public static ClipImageProcessor fromJson(JsonNode n, String source) {
    if (n == null || !n.isObject()) {
      throw new BgeVlException(source + ": expected a JSON object");
    }
    try {
      int shortest = 0, rh = 0, rw = 0;
      JsonNode size = n.get("size");
      if (size == null || size.isNull()) {
        shortest = 224;
      } else if (size.isInt()) {
        shortest = size.intValue(); // get_size_dict(int, default_to_square=False) → {"shortest_edge": n}
      } else if (size.has("shortest_edge")) {
        shortest = positive(size.get("shortest_edge"), "size.shortest_edge", source);
      } else if (size.has("height") && size.has("width")) {
        rh = positive(size.get("height"), "size.height", source);
        rw = positive(size.get("width"), "size.width", source);
      } else {
        throw new BgeVlException(source + ": size must be an int, {\"shortest_edge\": n} or {\"height\": h, \"width\": w}, got " + size);
      }
      int ch, cw;
      JsonNode crop = n.get("crop_size");
      if (crop == null || crop.isNull()) {
        ch = cw = 224;
      } else if (crop.isInt()) {
        ch = cw = positive(crop, "crop_size", source);
      } else if (crop.has("height") && crop.has("width")) {
        ch = positive(crop.get("height"), "crop_size.height", source);
        cw = positive(crop.get("width"), "crop_size.width", source);
      } else {
        throw new BgeVlException(source + ": crop_size must be an int or {\"height\": h, \"width\": w}, got " + crop);
      }
      int resampleCode = n.path("resample").asInt(3);
      Filter filter;
      try {
        filter = Filter.fromPillowCode(resampleCode);
      } catch (IllegalArgumentException e) {
        throw new BgeVlException(source + ": " + e.getMessage());
      }
      return new ClipImageProcessor(
          n.path("do_resize").asBoolean(true), shortest, rh, rw, filter,
          n.path("do_center_crop").asBoolean(true), ch, cw,
          n.path("do_rescale").asBoolean(true), n.path("rescale_factor").asDouble(1.0 / 255),
          n.path("do_normalize").asBoolean(true),
          triple(n.get("image_mean"), CLIP_MEAN, "image_mean", source),
          triple(n.get("image_std"), CLIP_STD, "image_std", source));
    } catch (IllegalArgumentException e) {
      throw new BgeVlException(source + ": " + e.getMessage());
    }
  }

  private static int positive(JsonNode v, String key, String source) {
    if (v == null || !v.canConvertToInt() || v.intValue() <= 0) {
      throw new BgeVlException(source + ": " + key + " must be a positive integer, got " + v);
    }
    return v.intValue();
  }

  private static double[] triple(JsonNode v, double[] dflt, String key, String source) {
    if (v == null || v.isNull()) {
      return dflt.clone();
    }
    if (v.isNumber()) {
      return new double[] {v.doubleValue(), v.doubleValue(), v.doubleValue()};
    }
    if (!v.isArray() || v.size() != 3) {
      throw new BgeVlException(source + ": " + key + " must be 3 numbers, got " + v);
    }
    return new double[] {v.get(0).asDouble(), v.get(1).asDouble(), v.get(2).asDouble()};
  }

  public int cropHeight() {
    return cropH;
  }

  public int cropWidth() {
    return cropW;
  }

  public Filter resample() {
    return resample;
  }

  /** transformers' {@code get_resize_output_image_size} → {height, width} for an input size. */
  public int[] resizedSize(int width, int height) {
    if (!doResize) {
      return new int[] {height, width};
    }
    if (shortestEdge <= 0) {
      return new int[] {resizeH, resizeW};
    }
    int shortSide = Math.min(width, height), longSide = Math.max(width, height);
    // int(requested_new_short * long / short): Python's true division is a correctly rounded double
    int newLong = (int) ((double) ((long) shortestEdge * longSide) / shortSide);
    return width <= height ? new int[] {newLong, shortestEdge} : new int[] {shortestEdge, newLong};
  }

  /** {height, width} of the pixel_values this processor makes from a width × height image. */
  public int[] outputSize(int width, int height) {
    return doCenterCrop ? new int[] {cropH, cropW} : resizedSize(width, height);
  }

  /** True when transformers would misread this image's channel axis (see the class comment). */
  public static boolean hfMisreadsChannels(RgbImage img) {
    return img.height() == 1 || img.height() == 3;
  }

  /** {@code pixel_values} for one image: float32 CHW [3, cropHeight, cropWidth]. */
  public float[] preprocess(RgbImage img) {
    return preprocess(img, PixelKernels.vector());
  }

  /** {@link #preprocess(RgbImage)} with the given resampler vector bodies (null: scalar only). */
  float[] preprocess(RgbImage img, VectorPixels vec) {
    RgbImage x = img;
    if (doResize) {
      int[] hw = resizedSize(img.width(), img.height());
      if (doCenterCrop && hw[0] >= cropH && hw[1] >= cropW) {
        // Resample only the crop window: same bytes as resize-then-crop, less work; when both passes
        // run, the vertical one writes pixel_values directly.
        int top = Math.floorDiv(hw[0] - cropH, 2), left = Math.floorDiv(hw[1] - cropW, 2);
        float[] direct = Resampler.resizeCroppedToPlanes(img, hw[1], hw[0], resample, left, top, cropW, cropH, lut, vec);
        if (direct != null) {
          return direct;
        }
        return toPixelValues(Resampler.resizeCropped(img, hw[1], hw[0], resample, left, top, cropW, cropH), 0, 0, cropH, cropW);
      }
      x = Resampler.resize(img, hw[1], hw[0], resample);
    }
    int outH = x.height(), outW = x.width();
    int top = 0, left = 0;          // source offset of output (0, 0); may be negative (padding)
    if (doCenterCrop) {
      int[] t = cropOrigin(x.height(), cropH);
      int[] l = cropOrigin(x.width(), cropW);
      top = t[0];
      left = l[0];
      outH = t[1];
      outW = l[1];
    }
    return toPixelValues(x, top, left, outH, outW);
  }

  /** Rescale + normalize + channels-first of the window at (top, left); outside the image is uint8 0. */
  private float[] toPixelValues(RgbImage x, int top, int left, int outH, int outW) {
    float[] out = new float[3 * outH * outW];
    byte[] src = x.rgb();
    int plane = outH * outW;
    final float[] l = lut;
    for (int y = 0; y < outH; y++) {
      int sy = y + top;
      for (int xx = 0; xx < outW; xx++) {
        int sx = xx + left;
        int o = y * outW + xx;
        if (sy < 0 || sy >= x.height() || sx < 0 || sx >= x.width()) {
          out[o] = l[0];                // zero padding (uint8 0) before rescale/normalize
          out[plane + o] = l[256];
          out[2 * plane + o] = l[512];
          continue;
        }
        int p = (sy * x.width() + sx) * 3;
        out[o] = l[src[p] & 0xFF];
        out[plane + o] = l[256 + (src[p + 1] & 0xFF)];
        out[2 * plane + o] = l[512 + (src[p + 2] & 0xFF)];
      }
    }
    return out;
  }

  /**
   * transformers' {@code center_crop} along one axis of length {@code orig}: returns {source offset of
   * output index 0, output length}. Without padding: start = (orig − crop) // 2. With padding the image
   * is first placed at ceil((max(crop, orig) − orig) / 2) in a zero canvas of max(crop, orig), then the
   * same window is cut (clamped to the canvas).
   */
  static int[] cropOrigin(int orig, int crop) {
    int start = Math.floorDiv(orig - crop, 2);
    int end = start + crop;
    if (start >= 0 && end <= orig) {
      return new int[] {start, crop};
    }
    int canvas = Math.max(crop, orig);
    int pad = (canvas - orig + 1) / 2; // ceil
    int cs = Math.max(0, start + pad), ce = Math.min(canvas, end + pad);
    return new int[] {cs - pad, ce - cs};
  }
}
