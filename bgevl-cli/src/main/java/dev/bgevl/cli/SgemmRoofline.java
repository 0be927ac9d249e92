package dev.bgevl.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The machine's fp32 GEMM roofline for {@code bgevl bench}: numpy's {@code a @ w.T} (OpenBLAS sgemm)
 * on the ViT-B/16 fc1 shape at batch 8 (1576×768 · 768×3072), with as many BLAS threads as our pool.
 * OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are unset for this one child process only: on the
 * benchmark machines they pin OpenBLAS to a slower kernel and halve its throughput.
 */
record SgemmRoofline(double gflops, String source) {

  static final String SCRIPT = String.join("\n",
      "import sys, time, numpy as np",
      "m, k, n, runs = 1576, 768, 3072, 7",
      "rng = np.random.default_rng(0)",
      "a = rng.standard_normal((m, k), dtype=np.float32)",
      "w = rng.standard_normal((n, k), dtype=np.float32)",
      "for _ in range(3): a @ w.T",
      "ts = []",
      "for _ in range(runs):",
      "    t = time.perf_counter(); a @ w.T; ts.append(time.perf_counter() - t)",
      "ts.sort()",
      "print(2 * m * k * n / ts[len(ts) // 2] / 1e9, 'numpy', np.__version__)");

  /** Runs the numpy timing; on any failure returns gflops 0 and the reason. */
  static SgemmRoofline measure(int threads) {
    for (String python : List.of("python3", "/usr/bin/python3")) {
      List<String> cmd = new ArrayList<>(List.of("env", "-u", "OPENBLAS_CORETYPE", "-u", "OPENBLAS_L2_SIZE",
          "OPENBLAS_NUM_THREADS=" + threads, "OMP_NUM_THREADS=" + threads, "MKL_NUM_THREADS=" + threads,
          python, "-c", SCRIPT));
      try {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String text = read(p.getInputStream());
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
          p.destroyForcibly();
          return new SgemmRoofline(0, python + " numpy sgemm timed out");
        }
        if (p.exitValue() == 0) {
          String[] f = text.trim().split("\\s+");
          return new SgemmRoofline(Double.parseDouble(f[0]),
              python + " numpy " + f[2] + " a@w.T 1576x768x3072, " + threads + " BLAS threads, median of 7");
        }
        if (!text.contains("No module named")) {
          return new SgemmRoofline(0, python + " failed: " + lastLine(text));
        }
      } catch (IOException e) {
        // no such interpreter: try the next
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return new SgemmRoofline(0, "interrupted");
      } catch (RuntimeException e) {
        return new SgemmRoofline(0, "unreadable numpy output");
      }
    }
    return new SgemmRoofline(0, "python3 with numpy not found");
  }

  private static String read(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    in.transferTo(b);
    return b.toString(StandardCharsets.UTF_8);
  }

  private static String lastLine(String s) {
    String[] lines = s.strip().split("\n");
    return lines.length == 0 ? "" : lines[lines.length - 1];
  }
}
