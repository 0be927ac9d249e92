package dev.bgevl.server;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The index behind {@code /v1/search} and {@code /v1/documents}. Implementations are thread-safe:
 * searches run concurrently with each other and with changes, and see every change whose
 * {@link #add}/{@link #delete} call has returned.
 */
public interface SearchBackend extends AutoCloseable {

  /**
   * An item to store.
   *
   * @param id unique key (an existing item with this id is replaced)
   * @param path the image file on the server (null for text-only items)
   * @param text the text that was embedded (null for image-only items)
   * @param kind {@code image}, {@code text} or {@code composed}
   * @param metadata string, number, boolean or list values; filterable
   * @param vector the L2-normalized embedding
   */
  record Doc(String id, String path, String text, String kind, Map<String, Object> metadata, float[] vector) {}

  /**
   * A result. {@code score} is the cosine similarity; {@code metadataJson} the item's metadata
   * object as JSON text ({@code "{}"} when none).
   */
  record Hit(String id, String path, String text, String kind, float score, String metadataJson) {}

  /**
   * The {@code k} items most similar to {@code vector} (L2-normalized), best first.
   *
   * @param filter an expression in the index's filter language, or null for none
   * @param minScore results below this cosine are dropped
   * @throws dev.bgevl.BgeVlException for a bad filter (the server answers 400)
   */
  List<Hit> search(float[] vector, int k, String filter, float minScore);

  /** Adds or replaces an item and makes it visible to searches (and durable, when persistent). */
  void add(Doc doc);

  /** Removes an item; false when there was none with this id. */
  boolean delete(String id);

  /** The stored image path of item {@code id}, if it exists and has one. */
  Optional<String> pathOf(String id);

  /** Number of items. */
  int size();

  /** Whether {@link #add} and {@link #delete} are allowed. */
  boolean writable();

  /** Embedding dimension the backend holds, or 0 when it takes any. */
  int dim();

  /** For /health and logs, e.g. "lucene index /data/idx" or "in-memory (exact)". */
  String describe();

  @Override
  void close();
}
