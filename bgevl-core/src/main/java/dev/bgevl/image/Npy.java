package dev.bgevl.image;

import dev.bgevl.BgeVlException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Minimal NumPy {@code .npy} (format 1.0) reading and writing for little-endian float32 C-order arrays. */
public final class Npy {
  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};

  private Npy() {}

  /** A float32 array and its shape. */
  public record Array(float[] data, int[] shape) {}

  /** The bytes of a {@code .npy} file holding {@code data} with {@code shape} ({@code '<f4'}, C order). */
  public static byte[] toBytes(float[] data, int... shape) {
    long n = 1;
    for (int s : shape) {
      n *= s;
    }
    if (n != data.length) {
      throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds " + n + " values, data has " + data.length);
    }
    StringBuilder sh = new StringBuilder("(");
    for (int i = 0; i < shape.length; i++) {
      sh.append(shape[i]).append(shape.length == 1 ? "," : (i + 1 < shape.length ? ", " : ""));
    }
    sh.append(')');
    String header = "{'descr': '<f4', 'fortran_order': False, 'shape': " + sh + ", }";
    int unpadded = MAGIC.length + 4 + header.length() + 1;
    int pad = (64 - unpadded % 64) % 64;
    header = header + " ".repeat(pad) + "\n";
    byte[] hb = header.getBytes(StandardCharsets.US_ASCII);
    ByteBuffer b = ByteBuffer.allocate(MAGIC.length + 4 + hb.length + data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    b.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) hb.length).put(hb);
    b.asFloatBuffer().put(data);
    return b.array();
  }

  public static void write(Path p, float[] data, int... shape) {
    try {
      Files.write(p, toBytes(data, shape));
    } catch (IOException e) {
      throw new BgeVlException(p + ": cannot write .npy file (" + e.getMessage() + ")");
    }
  }

  private static final Pattern DESCR = Pattern.compile("'descr':\\s*'([^']*)'");
  private static final Pattern SHAPE = Pattern.compile("'shape':\\s*\\(([^)]*)\\)");
  private static final Pattern FORTRAN = Pattern.compile("'fortran_order':\\s*(True|False)");

  /** Reads a little-endian float32, C-order {@code .npy} (versions 1–3). */
  public static Array read(byte[] bytes, String name) {
    if (bytes.length < 10 || !Arrays.equals(Arrays.copyOf(bytes, 6), MAGIC)) {
      throw new BgeVlException(name + ": not a .npy file");
    }
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    int major = bytes[6];
    int hlen = major == 1 ? Short.toUnsignedInt(b.getShort(8)) : b.getInt(8);
    int start = major == 1 ? 10 : 12;
    String header = new String(bytes, start, hlen, StandardCharsets.US_ASCII);
    Matcher d = DESCR.matcher(header), s = SHAPE.matcher(header), f = FORTRAN.matcher(header);
    if (!d.find() || !s.find() || !f.find()) {
      throw new BgeVlException(name + ": unreadable .npy header " + header.trim());
    }
    if (!d.group(1).equals("<f4") || f.group(1).equals("True")) {
      throw new BgeVlException(name + ": expected little-endian float32 C-order data, got " + d.group(1) + " fortran=" + f.group(1));
    }
    int[] shape = Arrays.stream(s.group(1).split(",")).map(String::trim).filter(t -> !t.isEmpty()).mapToInt(Integer::parseInt).toArray();
    long n = 1;
    for (int x : shape) {
      n *= x;
    }
    int off = start + hlen;
    if (off + n * 4 != bytes.length) {
      throw new BgeVlException(name + ": .npy data is " + (bytes.length - off) + " bytes, shape needs " + n * 4);
    }
    float[] data = new float[(int) n];
    ByteBuffer.wrap(bytes, off, (int) n * 4).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(data);
    return new Array(data, shape);
  }
}
