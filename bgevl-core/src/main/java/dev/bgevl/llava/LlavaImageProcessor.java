package dev.bgevl.llava;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bgevl.BgeVlException;
import dev.bgevl.image.ClipImageProcessor;
import dev.bgevl.image.Filter;
import dev.bgevl.image.ImageLimits;
import dev.bgevl.image.PillowModeResize;
import dev.bgevl.image.Resampler;
import dev.bgevl.image.RgbImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * transformers 4.45's slow {@code LlavaNextImageProcessor} (PIL path) with BGE-VL-MLLM's 512×512
 * pre-resize: best pinpoint, aspect-preserving bicubic resize, centred zero padding (an odd gap one
 * pixel short, as 4.45 does), row-major tiles of {@code crop_size}, the whole image resized to
 * {@code size} as the base tile in front, then each tile through {@code CLIPImageProcessor}'s
 * shortest-edge resize, centre crop, rescale and normalize. Immutable and thread-safe.
 */
public final class LlavaImageProcessor {
  /** BGE-VL-MLLM's {@code img.resize((512, 512))} before the processor. */
  public static final int BGE_PRE_RESIZE = 512;

  private final int[][] pinpoints; // {height, width}
  private final int tileSize; // crop_size height (= width): the patch_size argument of get_image_patches
  private final int baseSize; // size.shortest_edge: the base tile is resized to baseSize × baseSize
  private final Filter resample;
  private final ClipImageProcessor perTile;

  public LlavaImageProcessor(int[][] pinpoints, int tileSize, int baseSize, Filter resample, ClipImageProcessor perTile) {
    if (pinpoints.length == 0) {
      throw new BgeVlException("image_grid_pinpoints is empty");
    }
    for (int[] p : pinpoints) {
      if (p.length != 2 || p[0] < tileSize || p[1] < tileSize || p[0] % tileSize != 0 || p[1] % tileSize != 0) {
        throw new BgeVlException("image_grid_pinpoints entry " + java.util.Arrays.toString(p)
            + " is not a [height, width] pair of multiples of the tile size " + tileSize);
      }
    }
    this.pinpoints = pinpoints;
    this.tileSize = tileSize;
    this.baseSize = baseSize;
    this.resample = resample;
    this.perTile = perTile;
  }

  /** Reads {@code preprocessor_config.json} (pinpoints there, else from {@code config.json}). */
  public static LlavaImageProcessor load(Path modelDir) {
    JsonNode pre = readJson(modelDir.resolve("preprocessor_config.json"));
    String src = modelDir.resolve("preprocessor_config.json").toString();
    ClipImageProcessor clip = ClipImageProcessor.fromJson(pre, src);
    JsonNode pins = pre.get("image_grid_pinpoints");
    if ((pins == null || pins.isNull()) && Files.isRegularFile(modelDir.resolve("config.json"))) {
      pins = readJson(modelDir.resolve("config.json")).get("image_grid_pinpoints");
      src = modelDir.resolve("config.json").toString();
    }
    if (pins == null || pins.isNull()) {
      throw new BgeVlException(modelDir + ": no image_grid_pinpoints in preprocessor_config.json or config.json (not a LLaVA-NeXT model)");
    }
    int[][] pinpoints = parsePinpoints(pins, src);
    if (clip.cropHeight() != clip.cropWidth()) {
      throw new BgeVlException(src + ": crop_size must be square for LLaVA-NeXT tiles, got "
          + clip.cropHeight() + "x" + clip.cropWidth());
    }
    JsonNode size = pre.get("size");
    int base = size != null && size.has("shortest_edge") ? size.get("shortest_edge").asInt()
        : size != null && size.has("height") ? size.get("height").asInt() : clip.cropHeight();
    return new LlavaImageProcessor(pinpoints, clip.cropHeight(), base, clip.resample(), clip);
  }

  static int[][] parsePinpoints(JsonNode pins, String src) {
    if (pins == null || !pins.isArray() || pins.isEmpty()) {
      throw new BgeVlException(src + ": image_grid_pinpoints must be a non-empty list of [height, width] pairs");
    }
    int[][] out = new int[pins.size()][];
    for (int i = 0; i < out.length; i++) {
      JsonNode p = pins.get(i);
      if (!p.isArray() || p.size() != 2 || !p.get(0).canConvertToInt() || !p.get(1).canConvertToInt()) {
        throw new BgeVlException(src + ": image_grid_pinpoints[" + i + "] must be [height, width], got " + p);
      }
      out[i] = new int[] {p.get(0).asInt(), p.get(1).asInt()};
    }
    return out;
  }

  private static JsonNode readJson(Path f) {
    try {
      return new ObjectMapper().readTree(Files.readAllBytes(f));
    } catch (NoSuchFileException e) {
      throw new BgeVlException(f + ": not found");
    } catch (IOException e) {
      throw new BgeVlException(f + ": invalid JSON (" + e.getMessage().lines().findFirst().orElse("") + ")");
    }
  }

  public int[][] pinpoints() {
    return pinpoints.clone();
  }

  public int tileSize() {
    return tileSize;
  }

  /**
   * BGE-VL-MLLM's pre-resize of an already decoded image, correct when its Pillow mode was RGB or L
   * (bicubic to 512×512). Prefer {@link #bgePreResize(byte[], String, ImageLimits)}, which follows
   * the file's mode.
   */
  public static RgbImage bgePreResize(RgbImage img) {
    return Resampler.resize(img, BGE_PRE_RESIZE, BGE_PRE_RESIZE, Filter.BICUBIC);
  }

  /**
   * {@code Image.open(f).resize((512, 512)).convert("RGB")}: decode and pre-resize in the file's
   * Pillow mode (NEAREST for palettes, premultiplied alpha; see {@link PillowModeResize}).
   */
  public static RgbImage bgePreResize(byte[] bytes, String name, ImageLimits limits) {
    return PillowModeResize.decodeResized(bytes, name, limits, BGE_PRE_RESIZE, BGE_PRE_RESIZE, Filter.BICUBIC);
  }

  /** One preprocessed image: {@code pixel_values} per tile (base first) and {@code image_sizes}. */
  public record Tiles(float[][] pixelValues, int height, int width, int[] bestResolution, int[] resized) {
    public int count() {
      return pixelValues.length;
    }
  }

  /** The tiles for an RGB image (already pre-resized if the model wants that). */
  public Tiles preprocess(RgbImage img) {
    int h = img.height(), w = img.width();
    int[] best = AnyResolution.bestResolution(h, w, pinpoints);
    int[] rs = AnyResolution.resizedForPatching(h, w, best);
    RgbImage resized = Resampler.resize(img, rs[1], rs[0], resample);
    int[] pad = AnyResolution.padding(rs, best);
    int ph = rs[0] + pad[0] + pad[1], pw = rs[1] + pad[2] + pad[3];
    int rows = (ph + tileSize - 1) / tileSize, cols = (pw + tileSize - 1) / tileSize;
    float[][] out = new float[1 + rows * cols][];
    out[0] = perTile.preprocess(Resampler.resize(img, baseSize, baseSize, resample));
    byte[] src = resized.rgb();
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        int y0 = r * tileSize, x0 = c * tileSize;
        int th = Math.min(tileSize, ph - y0), tw = Math.min(tileSize, pw - x0);
        byte[] tile = new byte[th * tw * 3]; // zero = the padding
        for (int y = 0; y < th; y++) {
          int sy = y0 + y - pad[0];
          if (sy < 0 || sy >= rs[0]) {
            continue;
          }
          for (int x = 0; x < tw; x++) {
            int sx = x0 + x - pad[2];
            if (sx >= 0 && sx < rs[1]) {
              System.arraycopy(src, (sy * rs[1] + sx) * 3, tile, (y * tw + x) * 3, 3);
            }
          }
        }
        out[1 + r * cols + c] = perTile.preprocess(new RgbImage(tw, th, tile));
      }
    }
    return new Tiles(out, h, w, best, rs);
  }

  /** {@link AnyResolution#numImageTokens} for this processor's pinpoints and tiles. */
  public int numImageTokens(int height, int width, int patchSize) {
    return AnyResolution.numImageTokens(height, width, pinpoints, tileSize, patchSize);
  }
}
