package dev.bgevl.search;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A progress bar on stderr: done/total, rate and ETA. On a terminal it redraws one line; otherwise
 * (logs, CI) it prints a line at most every 5 seconds. Thread-safe.
 */
public final class Progress {
  private final PrintStream out;
  private final String label;
  private final long total;
  private final boolean terminal;
  private final long start = System.nanoTime();
  private long done;
  private long lastPrint;
  private long printedDone = -1;

  public Progress(PrintStream out, String label, long total) {
    this.out = out;
    this.label = label;
    this.total = total;
    this.terminal = System.console() != null && System.console().isTerminal();
  }

  public synchronized void advance(long n) {
    done += n;
    long now = System.nanoTime();
    if (out == null) return;
    long gap = terminal ? 100_000_000L : 5_000_000_000L;
    if (now - lastPrint >= gap || done >= total) {
      lastPrint = now;
      print(now);
    }
  }

  public synchronized void finish() {
    if (out == null) return;
    if (printedDone != done) print(System.nanoTime());
    if (terminal) out.println();
  }

  private void print(long now) {
    printedDone = done;
    double secs = Math.max(1e-9, (now - start) / 1e9);
    double rate = done / secs;
    String eta = rate > 0 && total > done ? duration((total - done) / rate) : "0s";
    int width = 30;
    int filled = total == 0 ? width : (int) Math.min(width, width * done / total);
    String bar = "#".repeat(filled) + ".".repeat(width - filled);
    String line = String.format(Locale.ROOT, "%s [%s] %d/%d %.1f/s ETA %s", label, bar, done, total, rate, eta);
    if (terminal) out.print("\r" + line + "   ");
    else out.println(line);
    out.flush();
  }

  static String duration(double s) {
    long t = Math.round(s);
    if (t < 60) return t + "s";
    if (t < 3600) return (t / 60) + "m" + String.format(Locale.ROOT, "%02d", t % 60) + "s";
    return (t / 3600) + "h" + String.format(Locale.ROOT, "%02d", (t % 3600) / 60) + "m";
  }
}
