package dev.bgevl.search;

import java.util.Map;
import java.util.Objects;

/**
 * One item to store in a {@link VectorIndex}. {@code path} (image file) and {@code text} are
 * nullable but not both; {@code metadata} values are strings, booleans, numbers or lists of those.
 */
public record IndexedDoc(String id, String path, String text, String kind, String source, String hash,
                         long size, long mtime, Map<String, Object> metadata, float[] vector) {
  public IndexedDoc {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(vector, "vector");
    metadata = metadata == null ? Map.of() : metadata;
  }
}
