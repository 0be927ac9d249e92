package dev.bgevl.search;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bgevl.BgeVlException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Brings an index up to date with folders of images and JSONL corpora.
 *
 * <p>Inputs: a folder (every file in it, recursively, whose first bytes are an image; other files
 * are counted and ignored), a single image file, or a {@code .jsonl} file whose lines are objects
 * with {@code image} (a path, relative to the JSONL file's folder), {@code text} (both = a composed
 * document), {@code id} (default {@code <jsonl path>#<line>}) and {@code metadata} (an object:
 * strings, numbers, booleans and lists of them become filterable).
 *
 * <p>Incremental: an image file whose size and mtime are unchanged is skipped without reading it;
 * otherwise its sha256 decides between "touched" (same bytes: only size/mtime are rewritten, with the
 * stored vector) and "changed" (re-embedded). A JSONL record is re-embedded when its line or its
 * image's size/mtime change. Items of a given input that are gone are deleted at the end of the run.
 *
 * <p>Crash-safe: every batch is embedded, added and committed atomically, so killing the process
 * leaves an index holding the complete batches committed so far; the next run skips them and goes on.
 * Inputs that cannot be read or embedded are reported in the summary and skipped.
 */
public final class Ingester {
  private static final ObjectMapper JSON = new ObjectMapper();

  public record Options(int batchSize, PrintStream progress) {
    public static final Options DEFAULT = new Options(32, System.err);

    public Options {
      if (batchSize < 1) throw new BgeVlException("batch size must be positive, got " + batchSize);
    }
  }

  public record Failure(String input, String problem) {
    /** "input: problem", or the problem alone when it already names the input (model errors do). */
    @Override
    public String toString() {
      return problem.contains(input) ? problem : input + ": " + problem;
    }
  }

  /**
   * Counts of one run. {@code notImages}: files in folders that are not images (ignored).
   * {@code embedSeconds}: time in the embedder; {@code indexSeconds}: time in index writes and
   * commits (Lucene: documents, HNSW graph insertion, flushes, fsync); the rest of {@code seconds}
   * is scanning, hashing and reading the existing state.
   */
  public record Summary(int added, int updated, int unchanged, int touched, int deleted, int notImages,
                        List<Failure> failures, double seconds, double embedSeconds, double indexSeconds) {
    public String describe() {
      return String.format(Locale.ROOT,
          "indexed in %.1f s (embedding %.1f s, index writes and commits %.2f s): %d added, %d updated, %d unchanged, "
              + "%d metadata-only, %d deleted, %d failed%s",
          seconds, embedSeconds, indexSeconds, added, updated, unchanged, touched, deleted, failures.size(),
          notImages > 0 ? ", " + notImages + " non-image files ignored" : "");
    }
  }

  private record Item(String id, Path image, String text, String source, Map<String, Object> metadata,
                      long size, long mtime, String hash, boolean existed) {
    EmbedInput input() {
      return new EmbedInput(image, text);
    }

    String kind() {
      return input().kind();
    }

    IndexedDoc doc(float[] vector) {
      return new IndexedDoc(id, image == null ? null : image.toString(), text, kind(), source, hash, size, mtime, metadata, vector);
    }
  }

  private final VectorIndex index;
  private final Embedder embedder;
  private final Options options;
  private final List<Failure> failures = new ArrayList<>();
  private final Set<String> seenIds = new HashSet<>();
  /** Ids of the current input that are present but broken right now: not to be deleted as vanished. */
  private final Set<String> keep = new HashSet<>();
  private int unchanged;
  private int notImages;

  public Ingester(VectorIndex index, Embedder embedder, Options options) {
    index.checkModel(embedder.modelId(), embedder.dim());
    this.index = index;
    this.embedder = embedder;
    this.options = options;
  }

  /** Ingests {@code inputs} (folders, image files, .jsonl files); never throws for a bad input. */
  public Summary run(List<Path> inputs) {
    long t0 = System.nanoTime();
    List<Item> toEmbed = new ArrayList<>();
    List<Item> touched = new ArrayList<>();
    List<String> vanished = new ArrayList<>();
    for (Path input : inputs) {
      Path abs = input.toAbsolutePath().normalize();
      String source = abs.toString();
      keep.clear();
      List<Item> items;
      if (Files.isDirectory(abs)) {
        items = scanFolder(abs, source);
      } else if (Files.isRegularFile(abs) && abs.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".jsonl")) {
        items = scanJsonl(abs, source);
      } else if (Files.isRegularFile(abs)) {
        items = new ArrayList<>();
        try {
          if (ImageSniffer.format(abs) == null) fail(abs.toString(), "not an image (by its content) nor a .jsonl corpus");
          else items.add(fileItem(abs, source));
        } catch (IOException e) {
          fail(abs.toString(), "cannot read: " + IndexFormat.oneLine(e));
        }
      } else {
        fail(input.toString(), "no such file or folder");
        continue;
      }
      Map<String, VectorIndex.StoredState> stored = index.states(source);
      Set<String> present = new HashSet<>(keep);
      for (Item it : items) {
        present.add(it.id());
        if (!seenIds.add(it.id())) continue; // the same file reached through two inputs
        plan(it, stored.get(it.id()), toEmbed, touched);
      }
      for (String id : stored.keySet()) if (!present.contains(id)) vanished.add(id);
    }

    // Same bytes, new mtime: rewrite the item with its stored vector (no model call).
    long tTouched = System.nanoTime();
    int touchedCount = 0;
    for (Item it : touched) {
      float[] v = index.vector(it.id());
      if (v == null) {
        toEmbed.add(it);
      } else {
        index.upsert(it.doc(v));
        touchedCount++;
      }
    }
    if (touchedCount > 0) index.commit();
    long indexNanos = System.nanoTime() - tTouched;
    long embedNanos = 0;

    int added = 0;
    int updated = 0;
    Progress progress = new Progress(options.progress(), "embedding", toEmbed.size());
    for (int from = 0; from < toEmbed.size(); from += options.batchSize()) {
      List<Item> batch = toEmbed.subList(from, Math.min(toEmbed.size(), from + options.batchSize()));
      long te = System.nanoTime();
      List<float[]> vectors = embedBatch(batch);
      long tw = System.nanoTime();
      embedNanos += tw - te;
      for (int i = 0; i < batch.size(); i++) {
        if (vectors.get(i) == null) continue;
        index.upsert(batch.get(i).doc(vectors.get(i)));
        if (batch.get(i).existed()) updated++;
        else added++;
      }
      index.commit(); // one atomic commit per batch: a kill loses at most this batch
      indexNanos += System.nanoTime() - tw;
      progress.advance(batch.size());
    }
    if (!toEmbed.isEmpty()) progress.finish();

    long td = System.nanoTime();
    for (String id : vanished) index.delete(id);
    if (!vanished.isEmpty()) index.commit();
    indexNanos += System.nanoTime() - td;
    return new Summary(added, updated, unchanged, touchedCount, vanished.size(), notImages, List.copyOf(failures),
        (System.nanoTime() - t0) / 1e9, embedNanos / 1e9, indexNanos / 1e9);
  }

  private void plan(Item it, VectorIndex.StoredState st, List<Item> toEmbed, List<Item> touched) {
    if (st != null && it.hash() == null && st.size() == it.size() && st.mtime() == it.mtime()) {
      unchanged++; // an image file with the same size and mtime: not even read
      return;
    }
    Item item = it;
    if (item.hash() == null) {
      try {
        item = withHash(item, sha256(item.image()));
      } catch (IOException e) {
        fail(item.image().toString(), "cannot read: " + IndexFormat.oneLine(e));
        return;
      }
    }
    if (st != null && item.hash().equals(st.hash())) {
      if (st.size() == item.size() && st.mtime() == item.mtime()) unchanged++;
      else touched.add(item);
      return;
    }
    toEmbed.add(st == null ? item : existed(item));
  }

  private static Item withHash(Item i, String hash) {
    return new Item(i.id(), i.image(), i.text(), i.source(), i.metadata(), i.size(), i.mtime(), hash, i.existed());
  }

  private static Item existed(Item i) {
    return new Item(i.id(), i.image(), i.text(), i.source(), i.metadata(), i.size(), i.mtime(), i.hash(), true);
  }

  /** Embeds a batch; when the batch fails, each item alone, so one bad input costs only itself. */
  private List<float[]> embedBatch(List<Item> batch) {
    List<EmbedInput> inputs = batch.stream().map(Item::input).toList();
    try {
      List<float[]> out = embedder.embed(inputs);
      if (out.size() != batch.size()) throw new IllegalStateException("embedder returned " + out.size() + " vectors for " + batch.size() + " inputs");
      return out;
    } catch (BgeVlException e) {
      if (batch.size() == 1) {
        Item bad = batch.get(0);
        fail(bad.image() != null ? bad.image().toString() : bad.input().describe(), e.getMessage());
        List<float[]> one = new ArrayList<>();
        one.add(null);
        return one;
      }
      List<float[]> out = new ArrayList<>(batch.size());
      for (Item it : batch) out.add(embedBatch(List.of(it)).get(0));
      return out;
    }
  }

  private List<Item> scanFolder(Path root, String source) {
    List<Item> items = new ArrayList<>();
    List<Path> files;
    try (Stream<Path> s = Files.walk(root)) {
      files = s.filter(Files::isRegularFile).sorted().toList();
    } catch (IOException | java.io.UncheckedIOException e) {
      fail(root.toString(), "cannot list the folder: " + IndexFormat.oneLine(e));
      return items;
    }
    for (Path f : files) {
      try {
        if (ImageSniffer.format(f) == null) {
          notImages++;
          continue;
        }
        items.add(fileItem(f, source));
      } catch (IOException e) {
        keep.add(f.toString());
        fail(f.toString(), "cannot read: " + IndexFormat.oneLine(e));
      }
    }
    return items;
  }

  private static Item fileItem(Path f, String source) throws IOException {
    BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class);
    return new Item(f.toString(), f, null, source, Map.of(), a.size(), a.lastModifiedTime().toMillis(), null, false);
  }

  private List<Item> scanJsonl(Path file, String source) {
    List<Item> items = new ArrayList<>();
    Map<String, Integer> firstLine = new HashMap<>();
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      int no = 0;
      while ((line = r.readLine()) != null) {
        no++;
        if (line.isBlank()) continue;
        String where = file + ":" + no;
        JsonNode n;
        try {
          n = JSON.readTree(line);
        } catch (JsonProcessingException e) {
          fail(where, "not valid JSON (" + IndexFormat.oneLine(e).split(" at \\[")[0].trim() + ")");
          continue;
        }
        if (!n.isObject()) {
          fail(where, "expected a JSON object with \"image\" and/or \"text\"");
          continue;
        }
        String text = n.hasNonNull("text") ? n.get("text").asText() : null;
        Path image = null;
        long size = 0;
        long mtime = 0;
        if (n.hasNonNull("image")) {
          image = file.getParent().resolve(n.get("image").asText()).normalize();
          try {
            BasicFileAttributes a = Files.readAttributes(image, BasicFileAttributes.class);
            size = a.size();
            mtime = a.lastModifiedTime().toMillis();
          } catch (IOException e) {
            fail(where, "image " + image + " cannot be read: " + IndexFormat.oneLine(e));
            keep.add(n.hasNonNull("id") ? n.get("id").asText() : file + "#" + no);
            continue;
          }
        }
        if (image == null && text == null) {
          fail(where, "the record has neither \"image\" nor \"text\"");
          continue;
        }
        String id = n.hasNonNull("id") ? n.get("id").asText() : file + "#" + no;
        Integer first = firstLine.putIfAbsent(id, no);
        if (first != null) {
          fail(where, "duplicate id \"" + id + "\" (first at line " + first + "), skipped");
          continue;
        }
        Map<String, Object> metadata = new LinkedHashMap<>();
        if (n.hasNonNull("metadata")) {
          if (!n.get("metadata").isObject()) {
            fail(where, "\"metadata\" must be a JSON object");
            continue;
          }
          metadata = JSON.convertValue(n.get("metadata"), JSON.getTypeFactory().constructMapType(LinkedHashMap.class, String.class, Object.class));
        }
        String hash = sha256((line + "\n" + size + ":" + mtime).getBytes(StandardCharsets.UTF_8));
        items.add(new Item(id, image, text, source, metadata, size, mtime, hash, false));
      }
    } catch (IOException e) {
      fail(file.toString(), "cannot read: " + IndexFormat.oneLine(e));
      // an unreadable corpus must not delete what it indexed before
      keep.addAll(index.states(source).keySet());
    }
    return items;
  }

  private void fail(String input, String problem) {
    failures.add(new Failure(input, problem));
  }

  static String sha256(Path p) throws IOException {
    MessageDigest md = sha();
    byte[] buf = new byte[1 << 16];
    try (InputStream in = Files.newInputStream(p)) {
      for (int r; (r = in.read(buf)) > 0; ) md.update(buf, 0, r);
    }
    return HexFormat.of().formatHex(md.digest());
  }

  static String sha256(byte[] b) {
    return HexFormat.of().formatHex(sha().digest(b));
  }

  private static MessageDigest sha() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
