package dev.bgevl.tensor;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed pool of kernel threads, one per core (the caller counts as one), for the kernels'
 * data-parallel loops.
 *
 * <p>Why not ForkJoin or an executor: a text-tower Linear on 12 tokens takes tens of
 * microseconds, so per-call task objects, queues and futures would cost as much as the work. Here a
 * call publishes one job, wakes the parked workers, and all threads (the caller included) take task
 * indices from one counter until none are left.
 *
 * <p>Determinism: kernels give each task a fixed piece of the output and compute every output value
 * with the same operation order whatever thread runs it, so results never depend on the thread
 * count or on which thread took which task.
 *
 * <p>Re-entrancy: a call made from inside a task, or while another thread's job holds the pool,
 * runs its tasks on the calling thread (same results, no deadlock, no oversubscription).
 *
 * <p>Size: {@code -Dbgevl.threads=N}, default {@link Runtime#availableProcessors()}.
 */
public final class Parallel {

  /** One unit of work: runs task {@code task} of a job. */
  @FunctionalInterface
  public interface Task {
    void run(int task);
  }

  private static final int THREADS = threadsFromProperty();
  /** Spin this long (ns) for the next job before parking: kernels come in bursts of small calls. */
  private static final long SPIN_NANOS = 50_000;

  private static final Worker[] WORKERS = new Worker[THREADS - 1];
  private static final AtomicInteger BUSY = new AtomicInteger();
  private static volatile Job current;

  static {
    for (int i = 0; i < WORKERS.length; i++) {
      WORKERS[i] = new Worker(i + 1);
      WORKERS[i].start();
    }
  }

  private Parallel() {}

  /** The number of threads a job can run on (the caller included). */
  public static int threads() {
    return THREADS;
  }

  /**
   * Runs {@code task.run(i)} once for every {@code i} in {@code [0, tasks)}, spread over the pool,
   * and returns when all have finished. The first exception thrown by a task is rethrown here
   * (after all tasks have stopped).
   */
  public static void forEach(int tasks, Task task) {
    if (tasks <= 0) {
      return;
    }
    if (tasks == 1 || THREADS == 1 || Thread.currentThread() instanceof Worker
        || !BUSY.compareAndSet(0, 1)) {
      for (int i = 0; i < tasks; i++) {
        task.run(i);
      }
      return;
    }
    Job job = new Job(tasks, task, Thread.currentThread());
    try {
      current = job;
      for (Worker w : WORKERS) {
        LockSupport.unpark(w);
      }
      job.work();
      job.awaitDone();
    } finally {
      current = null;
      BUSY.set(0);
    }
    Throwable error = job.error;
    if (error instanceof RuntimeException e) {
      throw e;
    } else if (error instanceof Error e) {
      throw e;
    } else if (error != null) {
      throw new IllegalStateException(error);
    }
  }

  /**
   * Splits {@code [0, n)} into {@code chunks} contiguous ranges of near-equal size and runs
   * {@code body.run(start, end)} for each, in parallel. The split depends only on {@code n} and
   * {@code chunks}.
   */
  public static void forRange(int n, int chunks, RangeTask body) {
    int c = Math.max(1, Math.min(chunks, n));
    forEach(c, t -> body.run((int) ((long) n * t / c), (int) ((long) n * (t + 1) / c)));
  }

  /** A contiguous piece of a {@link #forRange} loop. */
  @FunctionalInterface
  public interface RangeTask {
    void run(int start, int end);
  }

  private static int threadsFromProperty() {
    String s = System.getProperty("bgevl.threads");
    int n = Runtime.getRuntime().availableProcessors();
    if (s != null && !s.isBlank()) {
      try {
        n = Integer.parseInt(s.trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("-Dbgevl.threads=" + s + " is not an integer");
      }
      if (n < 1 || n > 1024) {
        throw new IllegalArgumentException("-Dbgevl.threads=" + s + " must be in [1, 1024]");
      }
    }
    return n;
  }

  private static final class Job {
    final int tasks;
    final Task task;
    final Thread owner;
    final AtomicInteger next = new AtomicInteger();
    final AtomicInteger remaining;
    volatile Throwable error;

    Job(int tasks, Task task, Thread owner) {
      this.tasks = tasks;
      this.task = task;
      this.owner = owner;
      this.remaining = new AtomicInteger(tasks);
    }

    void work() {
      int t;
      while ((t = next.getAndIncrement()) < tasks) {
        try {
          if (error == null) {
            task.run(t);
          }
        } catch (Throwable e) {
          if (error == null) {
            error = e;
          }
        }
        if (remaining.decrementAndGet() == 0 && Thread.currentThread() != owner) {
          LockSupport.unpark(owner);
        }
      }
    }

    void awaitDone() {
      long start = System.nanoTime();
      while (remaining.get() > 0) {
        if (System.nanoTime() - start < SPIN_NANOS) {
          Thread.onSpinWait();
        } else {
          LockSupport.parkNanos(this, 100_000);
        }
      }
    }
  }

  private static final class Worker extends Thread {
    Worker(int index) {
      super("bgevl-kernel-" + index);
      setDaemon(true);
    }

    @Override
    public void run() {
      Job last = null;
      while (true) {
        Job job = current;
        if (job == null || job == last) {
          long start = System.nanoTime();
          while ((job = current) == null || job == last) {
            if (System.nanoTime() - start < SPIN_NANOS) {
              Thread.onSpinWait();
            } else {
              LockSupport.park(Parallel.class);
            }
          }
        }
        last = job;
        job.work();
      }
    }
  }
}
