package dev.bgevl.server;

import dev.bgevl.BgeVlException;
import dev.bgevl.Embedding;
import dev.bgevl.Input;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Dynamic batching: requests submitted by any number of threads are merged into model calls of at
 * most {@code maxBatch} inputs. A worker takes the oldest request, then keeps collecting until the
 * batch is full or {@code maxWaitMillis} have passed since that request arrived, and runs the
 * merged batch through the {@link Embedder}. While a batch runs, new requests queue up, so under
 * load batches fill without waiting; when idle a lone request waits at most {@code maxWaitMillis}.
 *
 * <p>The queue is bounded by inputs ({@code maxQueue}): a submit that would exceed it is refused at
 * once with 429 and a {@code Retry-After} estimate. A request larger than {@code maxBatch} runs as
 * one call on its own. When a merged batch fails with a {@link BgeVlException} (e.g. a corrupt
 * image), its requests are retried one by one so only the offending request fails.
 *
 * <p>Thread-safe. Requests whose futures were cancelled (timed out) before their batch started are
 * skipped.
 */
public final class Batcher implements AutoCloseable {

  /**
   * @param maxBatch most inputs per model call
   * @param maxWaitMillis longest a request waits for others to join its batch
   * @param maxQueue most inputs waiting (not yet running); beyond it requests get 429
   * @param workers threads running model calls (the model's kernels already use every core, so 1
   *     is usually best; 2 overlaps one batch's image decoding with another's compute)
   */
  public record Options(int maxBatch, long maxWaitMillis, int maxQueue, int workers) {
    public Options {
      if (maxBatch < 1 || maxBatch > 4096) {
        throw new IllegalArgumentException("max batch must be in [1, 4096], got " + maxBatch);
      }
      if (maxWaitMillis < 0 || maxWaitMillis > 60_000) {
        throw new IllegalArgumentException("max wait must be in [0, 60000] ms, got " + maxWaitMillis);
      }
      if (maxQueue < 1) {
        throw new IllegalArgumentException("queue size must be at least 1, got " + maxQueue);
      }
      if (workers < 1 || workers > 64) {
        throw new IllegalArgumentException("batch workers must be in [1, 64], got " + workers);
      }
    }

    public static Options defaults() {
      return new Options(32, 5, 1024, 1);
    }
  }

  /** A request: its inputs and the future its embeddings complete. */
  private record Job(List<Input> inputs, CompletableFuture<List<Embedding>> future, long enqueuedNanos) {}

  private final Embedder embedder;
  private final Options options;
  private final Metrics metrics;
  private final LinkedBlockingDeque<Job> queue = new LinkedBlockingDeque<>();
  private final AtomicInteger queuedInputs = new AtomicInteger();
  private final List<Thread> workers = new ArrayList<>();
  private volatile boolean closed;
  /** Exponential moving average of seconds per input, for Retry-After. */
  private volatile double secondsPerInput = 0.01;

  public Batcher(Embedder embedder, Options options, Metrics metrics) {
    this.embedder = embedder;
    this.options = options;
    this.metrics = metrics;
    metrics.gauge("bgevl_queue_depth", "Inputs waiting for a model call.", queuedInputs::get);
    metrics.gauge("bgevl_queue_capacity", "Most inputs that may wait (beyond: 429).", () -> options.maxQueue());
    for (int i = 0; i < options.workers(); i++) {
      Thread t = Thread.ofPlatform().name("bgevl-batcher-" + i).daemon(true).unstarted(this::loop);
      workers.add(t);
      t.start();
    }
  }

  public Options options() {
    return options;
  }

  /** Inputs waiting now. */
  public int queueDepth() {
    return queuedInputs.get();
  }

  /**
   * Queues {@code inputs} for embedding.
   *
   * @throws ApiException 429 when the queue is full, 503 when shutting down
   */
  public CompletableFuture<List<Embedding>> submit(List<Input> inputs) {
    if (closed) {
      throw new ApiException(503, ApiException.SERVER, "the server is shutting down");
    }
    int n = inputs.size();
    CompletableFuture<List<Embedding>> f = new CompletableFuture<>();
    if (n == 0) {
      f.complete(List.of());
      return f;
    }
    int after = queuedInputs.addAndGet(n);
    if (after > options.maxQueue() && after != n) { // a lone request larger than the queue still runs
      queuedInputs.addAndGet(-n);
      metrics.rejected.inc("queue_full");
      long retry = Math.max(1, (long) Math.ceil(after * secondsPerInput));
      throw new ApiException(429, ApiException.RATE_LIMIT,
          "the server is busy: " + (after - n) + " inputs are queued (limit " + options.maxQueue() + "); retry after " + retry + " s",
          Map.of("Retry-After", Long.toString(retry)));
    }
    queue.add(new Job(List.copyOf(inputs), f, System.nanoTime()));
    return f;
  }

  private void loop() {
    List<Job> batch = new ArrayList<>();
    while (!closed) {
      try {
        Job first = queue.poll(200, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        batch.clear();
        batch.add(first);
        int count = first.inputs().size();
        long deadline = first.enqueuedNanos() + TimeUnit.MILLISECONDS.toNanos(options.maxWaitMillis());
        while (count < options.maxBatch()) {
          long left = deadline - System.nanoTime();
          Job next = left > 0 ? queue.poll(left, TimeUnit.NANOSECONDS) : queue.poll();
          if (next == null) {
            break;
          }
          if (count + next.inputs().size() > options.maxBatch()) {
            queue.addFirst(next); // keep its place: it starts the next batch
            break;
          }
          batch.add(next);
          count += next.inputs().size();
        }
        run(batch);
      } catch (InterruptedException e) {
        if (closed) {
          break;
        }
      } catch (Throwable t) {
        for (Job j : batch) {
          j.future().completeExceptionally(t);
        }
      }
    }
  }

  private void run(List<Job> batch) {
    long start = System.nanoTime();
    List<Job> live = new ArrayList<>(batch.size());
    List<Input> inputs = new ArrayList<>();
    for (Job j : batch) {
      queuedInputs.addAndGet(-j.inputs().size());
      if (j.future().isDone()) {
        continue; // timed out or cancelled while queued
      }
      metrics.queueWaitSeconds.observe((start - j.enqueuedNanos()) / 1e9);
      live.add(j);
      inputs.addAll(j.inputs());
    }
    if (live.isEmpty()) {
      return;
    }
    metrics.batchSize.observe(inputs.size());
    metrics.batchRequests.observe(live.size());
    List<Embedding> out;
    try {
      out = embedder.embed(inputs);
    } catch (BgeVlException e) {
      if (live.size() == 1) {
        live.get(0).future().completeExceptionally(e);
        return;
      }
      for (Job j : live) { // find the culprit: the others still get their embeddings
        try {
          j.future().complete(embedder.embed(j.inputs()));
        } catch (Throwable one) {
          j.future().completeExceptionally(one);
        }
      }
      return;
    } catch (Throwable t) {
      for (Job j : live) {
        j.future().completeExceptionally(t);
      }
      return;
    }
    double secs = (System.nanoTime() - start) / 1e9;
    metrics.batchSeconds.observe(secs);
    secondsPerInput = 0.8 * secondsPerInput + 0.2 * (secs / inputs.size()) / options.workers();
    if (out.size() != inputs.size()) {
      IllegalStateException e = new IllegalStateException("embedder returned " + out.size() + " embeddings for " + inputs.size() + " inputs");
      live.forEach(j -> j.future().completeExceptionally(e));
      return;
    }
    int at = 0;
    for (Job j : live) {
      int n = j.inputs().size();
      j.future().complete(List.copyOf(out.subList(at, at + n)));
      at += n;
    }
  }

  /** Stops the workers; queued requests fail with 503. */
  @Override
  public void close() {
    closed = true;
    for (Thread t : workers) {
      t.interrupt();
    }
    for (Thread t : workers) {
      try {
        t.join(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    Job j;
    while ((j = queue.poll()) != null) {
      j.future().completeExceptionally(new ApiException(503, ApiException.SERVER, "the server is shutting down"));
    }
  }
}
