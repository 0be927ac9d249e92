package dev.bgevl.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The build runs tests with the Vector API module: the vector provider must be the one in use. */
class KernelSelectionTest {

  @Test
  void vectorProviderIsPickedWhenTheModuleIsPresent() {
    String wanted = System.getProperty("bgevl.kernels", "auto");
    assertEquals(wanted.equals("scalar") ? "scalar" : "vector", Kernels.get().name(),
        "kernel provider with -Dbgevl.kernels=" + wanted);
    assertEquals("vector", Kernels.Holder.choose("auto").name());
    assertEquals("vector", Kernels.Holder.choose("vector").name());
    assertEquals("scalar", Kernels.Holder.choose("scalar").name());
    assertEquals(Kernels.get().name() + " kernels, " + Parallel.threads() + " threads",
        Ops.kernelsDescription());
  }

  @Test
  void unknownProviderIsRejectedWithTheFlagInTheMessage() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Kernels.Holder.choose("gpu"));
    assertEquals("-Dbgevl.kernels=gpu is not one of: auto, vector, scalar", e.getMessage());
  }
}
