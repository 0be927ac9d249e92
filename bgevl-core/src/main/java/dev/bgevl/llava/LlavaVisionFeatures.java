package dev.bgevl.llava;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bgevl.BgeVlException;
import dev.bgevl.clip.ClipConfig;
import dev.bgevl.clip.ClipVisionModel;
import dev.bgevl.tensor.Activation;
import dev.bgevl.tensor.Linear;
import dev.bgevl.weights.TensorSource;
import dev.bgevl.weights.Weights;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The image half of LLaVA-NeXT, in data-flow order: CLIP vision tower per tile up to
 * {@code vision_feature_layer}, CLS dropped ({@code default} strategy), {@code multi_modal_projector}
 * (linear_1 → erf-GELU → linear_2), then {@code pack_image_features}: the base tile's vectors, then the
 * unpadded tile grid row by row, each row followed by {@code image_newline}. The result replaces the
 * {@code <image>} token's embedding. Immutable and thread-safe.
 */
public final class LlavaVisionFeatures {
  private final ClipConfig.Vision vision;
  private final ClipVisionModel tower;
  private final int layers; // blocks to run: hidden_states[layers] is the selected feature
  private final boolean dropCls; // strategy "default"; "full" keeps CLS
  private final Linear linear1, linear2; // [text, vision], [text, text]
  private final Activation projectorAct;
  private final float[] imageNewline; // [text hidden]
  private final int textHidden;
  private final int[][] pinpoints;

  public LlavaVisionFeatures(TensorSource w, String prefix, ClipConfig.Vision vision, int textHidden,
                             int featureLayer, String strategy, Activation projectorAct, int[][] pinpoints) {
    this.vision = vision;
    int n = vision.numHiddenLayers();
    this.layers = featureLayer < 0 ? n + 1 + featureLayer : featureLayer;
    if (layers < 0 || layers > n) {
      throw new BgeVlException("config.json: vision_feature_layer " + featureLayer + " is outside the "
          + n + "-layer vision tower");
    }
    this.dropCls = switch (strategy) {
      case "default" -> true;
      case "full" -> false;
      default -> throw new BgeVlException("config.json: vision_feature_select_strategy '" + strategy
          + "' is not supported (default or full)");
    };
    this.tower = ClipVisionModel.tower(w, prefix + "vision_tower.", vision);
    int vh = vision.hiddenSize();
    this.textHidden = textHidden;
    String p = prefix + "multi_modal_projector.";
    this.linear1 = Linear.pack(w.floats(p + "linear_1.weight", textHidden, vh), w.floats(p + "linear_1.bias", textHidden), textHidden, vh);
    this.linear2 = Linear.pack(w.floats(p + "linear_2.weight", textHidden, textHidden), w.floats(p + "linear_2.bias", textHidden), textHidden, textHidden);
    this.projectorAct = projectorAct;
    this.imageNewline = w.floats(prefix + "image_newline", textHidden);
    this.pinpoints = pinpoints;
  }

  /** Loads the image half of a LLaVA-NeXT folder ({@code config.json} + safetensors). */
  public static LlavaVisionFeatures load(Path dir) {
    Path cfgFile = dir.resolve("config.json");
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(Files.readAllBytes(cfgFile));
    } catch (IOException e) {
      throw new BgeVlException(cfgFile + ": cannot read (" + e.getMessage().lines().findFirst().orElse("") + ")");
    }
    String where = cfgFile.toString();
    if (!"llava_next".equals(root.path("model_type").asText())) {
      throw new BgeVlException(where + ": model_type is '" + root.path("model_type").asText() + "', expected 'llava_next'");
    }
    JsonNode v = root.path("vision_config");
    ClipConfig.Vision vision = new ClipConfig.Vision(
        v.path("hidden_size").asInt(768), v.path("intermediate_size").asInt(3072),
        v.path("num_hidden_layers").asInt(12), v.path("num_attention_heads").asInt(12),
        v.path("num_channels").asInt(3), v.path("image_size").asInt(224), v.path("patch_size").asInt(32),
        activation(v.path("hidden_act").asText("quick_gelu"), where, "vision_config.hidden_act"),
        (float) v.path("layer_norm_eps").asDouble(1e-5));
    int textHidden = root.path("text_config").path("hidden_size").asInt(4096);
    int[][] pins = LlavaImageProcessor.parsePinpoints(root.get("image_grid_pinpoints"), where);
    try (Weights w = Weights.open(dir)) {
      String prefix = w.has("vision_tower.vision_model.pre_layrnorm.weight") ? "" : "model.";
      return new LlavaVisionFeatures(w, prefix, vision, textHidden,
          root.path("vision_feature_layer").asInt(-2), root.path("vision_feature_select_strategy").asText("default"),
          activation(root.path("projector_hidden_act").asText("gelu"), where, "projector_hidden_act"), pins);
    }
  }

  private static Activation activation(String s, String where, String key) {
    return switch (s) {
      case "quick_gelu" -> Activation.QUICK_GELU;
      case "gelu" -> Activation.GELU;
      case "silu" -> Activation.SILU;
      default -> throw new BgeVlException(where + ": " + key + " '" + s + "' is not supported");
    };
  }

  public ClipConfig.Vision visionConfig() {
    return vision;
  }

  public int textHidden() {
    return textHidden;
  }

  /** Selected vision features per tile: [tiles][tokens·visionHidden] (CLS dropped for "default"). */
  public float[][] selectedFeatures(float[][] tiles) {
    float[][] hs = tower.hiddenStates(tiles, layers);
    if (!dropCls) {
      return hs;
    }
    int vh = vision.hiddenSize();
    float[][] out = new float[hs.length][];
    for (int t = 0; t < hs.length; t++) {
      out[t] = java.util.Arrays.copyOfRange(hs[t], vh, hs[t].length);
    }
    return out;
  }

  /** The projector on each tile's selected features: [tiles][tokens·textHidden]. */
  public float[][] project(float[][] selected) {
    int vh = vision.hiddenSize();
    float[][] out = new float[selected.length][];
    for (int t = 0; t < selected.length; t++) {
      int rows = selected[t].length / vh;
      float[] mid = new float[rows * textHidden];
      linear1.apply(selected[t], rows, mid, projectorAct);
      out[t] = new float[rows * textHidden];
      linear2.apply(mid, rows, out[t], Activation.NONE);
    }
    return out;
  }

  /** Image embeddings for one preprocessed image: [numImageTokens · textHidden], in sequence order. */
  public float[] imageEmbeddings(LlavaImageProcessor.Tiles tiles) {
    return pack(project(selectedFeatures(tiles.pixelValues())), tiles.height(), tiles.width());
  }

  /**
   * {@code pack_image_features} for one image of original size {@code height × width}: the base tile
   * as is, then the (gh·p) × (gw·p) patch grid of the other tiles, unpadded, row by row with
   * {@code image_newline} after each row.
   */
  public float[] pack(float[][] projected, int height, int width) {
    if (!dropCls) {
      throw new BgeVlException("vision_feature_select_strategy 'full' cannot be packed into an any-resolution grid");
    }
    int per = vision.patchesPerSide();
    int d = textHidden;
    int[] grid = AnyResolution.gridShape(height, width, pinpoints, vision.imageSize());
    if (projected.length != 1 + grid[0] * grid[1]) {
      throw new BgeVlException("image of " + width + "x" + height + " needs " + (1 + grid[0] * grid[1])
          + " tiles, got " + projected.length);
    }
    int gh = grid[0] * per, gw = grid[1] * per;
    int[] win = AnyResolution.unpadWindow(height, width, gh, gw);
    int base = per * per;
    float[] out = new float[(base + win[1] * (win[3] + 1)) * d];
    System.arraycopy(projected[0], 0, out, 0, base * d);
    int o = base * d;
    for (int r = win[0]; r < win[0] + win[1]; r++) {
      float[] rowTile;
      for (int c = win[2]; c < win[2] + win[3]; c++) {
        rowTile = projected[1 + (r / per) * grid[1] + c / per];
        System.arraycopy(rowTile, ((r % per) * per + c % per) * d, out, o, d);
        o += d;
      }
      System.arraycopy(imageNewline, 0, out, o, d);
      o += d;
    }
    return out;
  }
}
