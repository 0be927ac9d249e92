package dev.bgevl.bench;

import dev.bgevl.tokenize.ClipTokenizer;
import dev.bgevl.tokenize.Encoding;
import dev.bgevl.tokenize.TokenizerFixtures;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * CLIP tokenizer throughput on one thread. Each operation encodes one text (BOS … EOS); the
 * {@code tokens} counter reports tokens per second (ids produced, BOS/EOS included).
 *
 * <p>{@code corpus=captions}: 10,000 seeded English captions (the BPE word cache is warm after
 * warm-up, as in a long-running service). {@code corpus=randomWords}: made-up words never seen
 * twice, with the cache disabled by a fresh tokenizer per iteration and words unique per call, so
 * every word runs the BPE merge loop.
 *
 * <p>Model folder: {@code -Dbgevl.model=DIR}, default the clip-tiny test fixture (the real CLIP vocabulary).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
@Threads(1)
@State(Scope.Thread)
public class TokenizerBenchmark {
  @Param({"captions", "randomWords"})
  public String corpus;

  private ClipTokenizer tokenizer;
  private List<String> texts;
  private int next;

  /** Tokens produced, reported by JMH as a rate. */
  @AuxCounters(AuxCounters.Type.OPERATIONS)
  @State(Scope.Thread)
  public static class Counters {
    public long tokens;

    @Setup(Level.Iteration)
    public void reset() {
      tokens = 0;
    }
  }

  @Setup(Level.Trial)
  public void setUp() {
    String dir = System.getProperty("bgevl.model");
    Path model = dir != null ? Path.of(dir) : TokenizerFixtures.clipTinyDir();
    tokenizer = ClipTokenizer.load(model);
    texts = corpus.equals("captions") ? Captions.generate(10_000, 42) : Captions.randomWords(200_000, 42);
    // sanity check once: the fixture's first caption has known ids
    int[] ids = tokenizer.encode("a photo of a cat").ids();
    if (!java.util.Arrays.equals(ids, new int[] {49406, 320, 1125, 539, 320, 2368, 49407})) {
      throw new IllegalStateException("tokenizer gives wrong ids: " + java.util.Arrays.toString(ids));
    }
  }

  @Setup(Level.Iteration)
  public void freshCacheForRandomWords() {
    if (corpus.equals("randomWords")) {
      String dir = System.getProperty("bgevl.model");
      tokenizer = ClipTokenizer.load(dir != null ? Path.of(dir) : TokenizerFixtures.clipTinyDir());
    }
  }

  @Benchmark
  public void encode(Counters counters, Blackhole bh) {
    String text = texts.get(next);
    next = next + 1 == texts.size() ? 0 : next + 1;
    Encoding e = tokenizer.encode(text);
    counters.tokens += e.ids().length;
    bh.consume(e);
  }
}
