package dev.bgevl.tensor;

/** The kernel contract run against the Vector API provider. */
class VectorKernelsTest extends KernelsTestCase {
  private static final Kernels K = new VectorKernels();

  @Override
  Kernels kernels() {
    return K;
  }
}
