package dev.bgevl.cli;

import dev.bgevl.BgeVlException;
import dev.bgevl.image.ClipImageProcessor;
import dev.bgevl.image.ImageDecoder;
import dev.bgevl.image.ImageLimits;
import dev.bgevl.image.Npy;
import dev.bgevl.image.RgbImage;
import dev.bgevl.llava.LlavaImageProcessor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code bgevl preprocess}: one image → the model's {@code pixel_values} as a float32 .npy [3, H, W]. */
@Command(name = "preprocess", mixinStandardHelpOptions = true,
    description = "Decode an image and write the CLIP pixel_values (float32 .npy, shape [3, H, W]) the model would see, "
        + "or with --tiles the LLaVA-NeXT any-resolution tiles [n_tiles, 3, H, W].")
public final class PreprocessCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--model", required = true, paramLabel = "DIR",
      description = "Model folder with preprocessor_config.json (Hugging Face layout).")
  Path model;

  @Option(names = "--image", required = true, paramLabel = "PATH",
      description = "Image file: JPEG, PNG, GIF (first frame), BMP, WebP or TIFF.")
  Path image;

  @Option(names = "--output", required = true, paramLabel = "FILE.npy",
      description = "Where to write pixel_values as a NumPy float32 array [3, H, W].")
  Path output;

  @Option(names = "--exif-transpose", defaultValue = "false",
      description = "Apply the JPEG EXIF Orientation tag before preprocessing (the reference ignores it; default: ${DEFAULT-VALUE}).")
  boolean exifTranspose;

  @Option(names = "--max-pixels", paramLabel = "N",
      description = "Refuse images with more than N pixels, checked from the header (default: Pillow's 178956970).")
  Long maxPixels;

  @Option(names = "--tiles", defaultValue = "false",
      description = "LLaVA-NeXT (BGE-VL-MLLM) model: write the any-resolution tiles, base image first, as float32 [n_tiles, 3, H, W] (default: ${DEFAULT-VALUE}).")
  boolean tiles;

  @Option(names = "--no-pre-resize", defaultValue = "false",
      description = "With --tiles: skip BGE-VL-MLLM's 512x512 pre-resize (plain LLaVA-NeXT processing; default: ${DEFAULT-VALUE}).")
  boolean noPreResize;

  @Override
  public Integer call() {
    try {
      if (tiles) {
        return writeTiles();
      }
      if (noPreResize) {
        throw new BgeVlException("--no-pre-resize only applies with --tiles");
      }
      ClipImageProcessor processor = ClipImageProcessor.load(model);
      ImageLimits limits = maxPixels == null ? ImageLimits.DEFAULT : ImageLimits.DEFAULT.withMaxPixels(maxPixels);
      RgbImage img = ImageDecoder.decode(image, limits, exifTranspose);
      float[] pixels = processor.preprocess(img);
      int[] hw = processor.outputSize(img.width(), img.height());
      Npy.write(output, pixels, 3, hw[0], hw[1]);
      spec.commandLine().getOut().printf("%s: %dx%d image -> pixel_values float32 [3, %d, %d] in %s%n",
          image, img.width(), img.height(), hw[0], hw[1], output);
      return 0;
    } catch (BgeVlException e) {
      spec.commandLine().getErr().println("error: " + e.getMessage());
      return 1;
    }
  }

  private int writeTiles() {
    if (exifTranspose) {
      throw new BgeVlException("--exif-transpose is not supported with --tiles (the reference ignores EXIF)");
    }
    LlavaImageProcessor processor = LlavaImageProcessor.load(model);
    ImageLimits limits = maxPixels == null ? ImageLimits.DEFAULT : ImageLimits.DEFAULT.withMaxPixels(maxPixels);
    RgbImage img;
    if (noPreResize) {
      img = ImageDecoder.decode(image, limits);
    } else {
      if (!Files.isRegularFile(image)) {
        ImageDecoder.decode(image, limits); // throws the decoder's one-line message (missing, directory...)
      }
      byte[] bytes;
      try {
        bytes = Files.readAllBytes(image);
      } catch (IOException e) {
        throw new BgeVlException(image + ": cannot read image file (" + e.getMessage() + ")");
      }
      img = LlavaImageProcessor.bgePreResize(bytes, image.toString(), limits);
    }
    LlavaImageProcessor.Tiles t = processor.preprocess(img);
    int side = processor.tileSize();
    float[] all = new float[t.count() * 3 * side * side];
    for (int i = 0; i < t.count(); i++) {
      System.arraycopy(t.pixelValues()[i], 0, all, i * 3 * side * side, 3 * side * side);
    }
    Npy.write(output, all, t.count(), 3, side, side);
    spec.commandLine().getOut().printf("%s: %dx%d image -> %d tiles (grid %dx%d of %dx%d + base) float32 [%d, 3, %d, %d] in %s%n",
        image, img.width(), img.height(), t.count(), t.bestResolution()[0] / side, t.bestResolution()[1] / side,
        side, side, t.count(), side, side, output);
    return 0;
  }
}
