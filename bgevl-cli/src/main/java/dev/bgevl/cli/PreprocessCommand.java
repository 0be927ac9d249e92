package dev.bgevl.cli;

import dev.bgevl.BgeVlException;
import dev.bgevl.image.ClipImageProcessor;
import dev.bgevl.image.ImageDecoder;
import dev.bgevl.image.ImageLimits;
import dev.bgevl.image.Npy;
import dev.bgevl.image.RgbImage;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code bgevl preprocess}: one image → the model's {@code pixel_values} as a float32 .npy [3, H, W]. */
@Command(name = "preprocess", mixinStandardHelpOptions = true,
    description = "Decode an image and write the CLIP pixel_values (float32 .npy, shape [3, H, W]) the model would see.")
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

  @Override
  public Integer call() {
    try {
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
}
