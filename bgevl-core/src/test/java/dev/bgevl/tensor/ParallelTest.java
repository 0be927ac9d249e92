package dev.bgevl.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class ParallelTest {

  @Test
  void runsEveryTaskExactlyOnce() {
    for (int tasks : new int[] {1, 2, 3, 7, 100, 1021}) {
      AtomicIntegerArray seen = new AtomicIntegerArray(tasks);
      Parallel.forEach(tasks, seen::incrementAndGet);
      for (int i = 0; i < tasks; i++) {
        assertEquals(1, seen.get(i), "task " + i + " of " + tasks);
      }
    }
  }

  @Test
  void forRangeCoversTheRangeInContiguousPieces() {
    AtomicIntegerArray seen = new AtomicIntegerArray(1000);
    Parallel.forRange(1000, 7, (a, b) -> {
      assertTrue(b - a == 142 || b - a == 143, "piece " + a + ".." + b);
      for (int i = a; i < b; i++) {
        seen.incrementAndGet(i);
      }
    });
    for (int i = 0; i < 1000; i++) {
      assertEquals(1, seen.get(i));
    }
  }

  @Test
  void nestedCallsRunInline() {
    AtomicIntegerArray seen = new AtomicIntegerArray(64);
    Parallel.forEach(8, outer -> Parallel.forEach(8, inner -> seen.incrementAndGet(outer * 8 + inner)));
    for (int i = 0; i < 64; i++) {
      assertEquals(1, seen.get(i));
    }
  }

  @Test
  void rethrowsTheTaskException() {
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> Parallel.forEach(16, t -> {
          if (t == 5) {
            throw new IllegalStateException("task 5 failed");
          }
        }));
    assertEquals("task 5 failed", e.getMessage());
    // the pool is usable afterwards
    AtomicIntegerArray seen = new AtomicIntegerArray(4);
    Parallel.forEach(4, seen::incrementAndGet);
    assertEquals(1, seen.get(3));
  }

  @Test
  void concurrentCallersBothComplete() throws Exception {
    AtomicIntegerArray seen = new AtomicIntegerArray(2000);
    Thread other = new Thread(() -> {
      for (int rep = 0; rep < 50; rep++) {
        Parallel.forEach(10, t -> seen.incrementAndGet(1000 + t));
      }
    });
    other.start();
    for (int rep = 0; rep < 50; rep++) {
      Parallel.forEach(10, seen::incrementAndGet);
    }
    other.join();
    for (int t = 0; t < 10; t++) {
      assertEquals(50, seen.get(t));
      assertEquals(50, seen.get(1000 + t));
    }
  }
}
