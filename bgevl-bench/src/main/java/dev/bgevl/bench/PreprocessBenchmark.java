package dev.bgevl.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bgevl.image.ClipImageProcessor;
import dev.bgevl.image.ImageDecoder;
import dev.bgevl.image.ImageLimits;
import dev.bgevl.image.RgbImage;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Image → pixel_values for a 640×480 COCO JPEG (the fixture corpus/000000050549.jpg), single thread:
 * JPEG decode, CLIP preprocessing (Pillow-exact bicubic resize, crop, rescale, normalize) and both. Sizes:
 * 224 (BGE-VL-base/-large, ViT-B/16 and ViT-L/14) and 336 (the LLaVA-NeXT tower). Compare with
 * tools/preprocess_bench.py (Pillow + numpy) on the same machine.
 *
 * <p>Warm-up is 8 × 1 s: the image kernels run scalar until a background thread has warmed their
 * Vector API bodies (dev.bgevl.image.PixelKernels), which took ~2-5 s on the loaded 2-core machine.
 * Under load, {@code -bm sample} (p0 = fastest call, p50) is steadier than the average.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 8, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class PreprocessBenchmark {
  @Param({"224", "336"})
  int size;

  byte[] jpeg;
  RgbImage decoded;
  ClipImageProcessor processor;

  @Setup
  public void setup() throws IOException {
    try (InputStream in = PreprocessBenchmark.class.getResourceAsStream("/bench/coco_640x480.jpg")) {
      jpeg = in.readAllBytes();
    }
    decoded = ImageDecoder.decode(jpeg, "coco_640x480.jpg", ImageLimits.DEFAULT);
    processor = ClipImageProcessor.fromJson(new ObjectMapper().readTree(
        "{\"size\": " + size + ", \"crop_size\": " + size + ", \"resample\": 3}"), "bench");
    if (decoded.width() != 640 || decoded.height() != 480 || processor.preprocess(decoded).length != 3 * size * size) {
      throw new IllegalStateException("unexpected benchmark input");
    }
  }

  @Benchmark
  public RgbImage decode() {
    return ImageDecoder.decode(jpeg, "coco_640x480.jpg", ImageLimits.DEFAULT);
  }

  @Benchmark
  public float[] preprocess() {
    return processor.preprocess(decoded);
  }

  @Benchmark
  public float[] decodeAndPreprocess() {
    return processor.preprocess(ImageDecoder.decode(jpeg, "coco_640x480.jpg", ImageLimits.DEFAULT));
  }
}
