package dev.bgevl.tensor;

/** The kernel contract run against the scalar reference provider. */
class ScalarKernelsTest extends KernelsTestCase {
  private static final Kernels K = new ScalarKernels();

  @Override
  Kernels kernels() {
    return K;
  }
}
