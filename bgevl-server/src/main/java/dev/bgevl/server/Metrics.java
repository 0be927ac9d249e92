package dev.bgevl.server;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.DoubleSupplier;

/**
 * Counters, gauges and histograms rendered in the Prometheus text exposition format (version
 * 0.0.4). Hand-rolled: a few families with fixed label names, lock-free updates (LongAdder), so
 * recording costs nanoseconds on the request path. Thread-safe.
 */
public final class Metrics {
  /** Seconds: 1 ms to 60 s. */
  static final double[] LATENCY_BUCKETS = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
  /** Inputs per model call. */
  static final double[] BATCH_BUCKETS = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512};

  private final List<Family> families = new ArrayList<>();

  public final Counter requests = add(new Counter("bgevl_http_requests_total", "HTTP requests by route, method and status.", "route", "method", "status"));
  public final Histogram requestSeconds = add(new Histogram("bgevl_http_request_duration_seconds", "HTTP request latency by route.", LATENCY_BUCKETS, "route"));
  public final Histogram batchSize = add(new Histogram("bgevl_batch_size", "Inputs per model call (dynamic batching).", BATCH_BUCKETS));
  public final Histogram batchRequests = add(new Histogram("bgevl_batch_requests", "Requests merged into one model call.", BATCH_BUCKETS));
  public final Histogram batchSeconds = add(new Histogram("bgevl_batch_duration_seconds", "Model time per batch.", LATENCY_BUCKETS));
  public final Histogram queueWaitSeconds = add(new Histogram("bgevl_queue_wait_seconds", "Time a request waited in the batching queue.", LATENCY_BUCKETS));
  public final Counter inputs = add(new Counter("bgevl_inputs_total", "Inputs embedded by kind.", "kind"));
  public final Counter rejected = add(new Counter("bgevl_rejected_total", "Requests refused by reason (queue_full, timeout).", "reason"));

  public Metrics() {
    gauge("bgevl_jvm_heap_used_bytes", "JVM heap in use now.",
        () -> ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
    gauge("bgevl_jvm_heap_max_bytes", "JVM maximum heap.",
        () -> ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getMax());
    gauge("bgevl_jvm_heap_after_gc_bytes", "Heap in use right after the last collection (sum over heap pools): flat under steady load means no leak.",
        Metrics::heapAfterGc);
    gauge("bgevl_jvm_threads", "Live JVM threads.", () -> ManagementFactory.getThreadMXBean().getThreadCount());
  }

  private static double heapAfterGc() {
    long sum = 0;
    for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
      if (p.getType() == MemoryType.HEAP) {
        MemoryUsage u = p.getCollectionUsage();
        if (u != null) {
          sum += u.getUsed();
        }
      }
    }
    return sum;
  }

  private <F extends Family> F add(F f) {
    synchronized (families) {
      families.add(f);
    }
    return f;
  }

  /** Registers a gauge read at scrape time. */
  public void gauge(String name, String help, DoubleSupplier value) {
    add(new Gauge(name, help, value));
  }

  /** The exposition text. */
  public String render() {
    StringBuilder sb = new StringBuilder(8192);
    List<Family> copy;
    synchronized (families) {
      copy = List.copyOf(families);
    }
    for (Family f : copy) {
      sb.append("# HELP ").append(f.name).append(' ').append(f.help).append('\n');
      sb.append("# TYPE ").append(f.name).append(' ').append(f.type()).append('\n');
      f.render(sb);
    }
    return sb.toString();
  }

  static String num(double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      return Long.toString((long) v);
    }
    if (Double.isInfinite(v)) {
      return v > 0 ? "+Inf" : "-Inf";
    }
    return String.format(Locale.ROOT, "%.9g", v).replaceAll("0+(e|$)", "$1").replaceAll("\\.(e|$)", "$1");
  }

  static String escape(String v) {
    return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }

  private abstract static class Family {
    final String name;
    final String help;
    final String[] labelNames;

    Family(String name, String help, String... labelNames) {
      this.name = name;
      this.help = help;
      this.labelNames = labelNames;
    }

    abstract String type();

    abstract void render(StringBuilder sb);

    String labels(String[] values, String extraName, String extraValue) {
      if (labelNames.length == 0 && extraName == null) {
        return "";
      }
      StringBuilder sb = new StringBuilder("{");
      for (int i = 0; i < labelNames.length; i++) {
        if (i > 0) {
          sb.append(',');
        }
        sb.append(labelNames[i]).append("=\"").append(escape(values[i])).append('"');
      }
      if (extraName != null) {
        if (labelNames.length > 0) {
          sb.append(',');
        }
        sb.append(extraName).append("=\"").append(extraValue).append('"');
      }
      return sb.append('}').toString();
    }

    String[] check(String... values) {
      if (values.length != labelNames.length) {
        throw new IllegalArgumentException(name + " takes labels " + String.join(",", labelNames));
      }
      return values;
    }
  }

  /** A monotonically increasing count per label set. */
  public static final class Counter extends Family {
    private final Map<List<String>, LongAdder> children = new ConcurrentHashMap<>();

    Counter(String name, String help, String... labelNames) {
      super(name, help, labelNames);
    }

    @Override
    String type() {
      return "counter";
    }

    public void inc(String... labels) {
      add(1, labels);
    }

    public void add(long n, String... labels) {
      children.computeIfAbsent(List.of(check(labels)), k -> new LongAdder()).add(n);
    }

    public long get(String... labels) {
      LongAdder a = children.get(List.of(labels));
      return a == null ? 0 : a.sum();
    }

    /** Sum over every label set. */
    public long total() {
      return children.values().stream().mapToLong(LongAdder::sum).sum();
    }

    @Override
    void render(StringBuilder sb) {
      for (var e : new TreeMap<>(toSorted(children)).entrySet()) {
        sb.append(name).append(labels(e.getKey().split("\u0000", -1), null, null)).append(' ').append(e.getValue().sum()).append('\n');
      }
    }
  }

  private static <V> Map<String, V> toSorted(Map<List<String>, V> m) {
    Map<String, V> out = new TreeMap<>();
    m.forEach((k, v) -> out.put(String.join("\u0000", k), v));
    return out;
  }

  /** Cumulative buckets, sum and count per label set. */
  public static final class Histogram extends Family {
    private final double[] bounds;
    private final Map<List<String>, Child> children = new ConcurrentHashMap<>();

    Histogram(String name, String help, double[] bounds, String... labelNames) {
      super(name, help, labelNames);
      this.bounds = bounds;
    }

    @Override
    String type() {
      return "histogram";
    }

    private final class Child {
      final LongAdder[] counts = new LongAdder[bounds.length + 1];
      final DoubleAdder sum = new DoubleAdder();
      final LongAdder count = new LongAdder();

      Child() {
        for (int i = 0; i < counts.length; i++) {
          counts[i] = new LongAdder();
        }
      }
    }

    public void observe(double v, String... labels) {
      Child c = children.computeIfAbsent(List.of(check(labels)), k -> new Child());
      int i = 0;
      while (i < bounds.length && v > bounds[i]) {
        i++;
      }
      c.counts[i].increment();
      c.sum.add(v);
      c.count.increment();
    }

    /** Number of observations (all label sets). */
    public long count() {
      return children.values().stream().mapToLong(c -> c.count.sum()).sum();
    }

    /** Sum of observations (all label sets). */
    public double sum() {
      return children.values().stream().mapToDouble(c -> c.sum.sum()).sum();
    }

    @Override
    void render(StringBuilder sb) {
      for (var e : toSorted(children).entrySet()) {
        String[] lv = labelNames.length == 0 ? new String[0] : e.getKey().split("\u0000", -1);
        Child c = e.getValue();
        long cum = 0;
        for (int i = 0; i <= bounds.length; i++) {
          cum += c.counts[i].sum();
          String le = i == bounds.length ? "+Inf" : num(bounds[i]);
          sb.append(name).append("_bucket").append(labels(lv, "le", le)).append(' ').append(cum).append('\n');
        }
        sb.append(name).append("_sum").append(labels(lv, null, null)).append(' ').append(num(c.sum.sum())).append('\n');
        sb.append(name).append("_count").append(labels(lv, null, null)).append(' ').append(c.count.sum()).append('\n');
      }
    }
  }

  private static final class Gauge extends Family {
    private final DoubleSupplier value;

    Gauge(String name, String help, DoubleSupplier value) {
      super(name, help);
      this.value = value;
    }

    @Override
    String type() {
      return "gauge";
    }

    @Override
    void render(StringBuilder sb) {
      sb.append(name).append(' ').append(num(value.getAsDouble())).append('\n');
    }
  }
}
