package dev.bgevl.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bgevl.BgeVlException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An exact (brute-force dot product) index held in memory: nothing is persisted. Filters are a
 * conjunction of equalities, {@code field = "text" AND other = 3}, over {@code id}, {@code kind},
 * {@code path} and metadata keys. Thread-safe (read-write lock).
 */
public final class InMemorySearchBackend implements SearchBackend {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern TERM = Pattern.compile(
      "\\s*([A-Za-z_][A-Za-z0-9_.\\-]*)\\s*==?\\s*(\"((?:[^\"\\\\]|\\\\.)*)\"|'((?:[^'\\\\]|\\\\.)*)'|(-?[0-9][0-9.eE+\\-]*)|true|false)\\s*");

  private final int dim;
  private final Map<String, Doc> docs = new LinkedHashMap<>();
  private final ReadWriteLock lock = new ReentrantReadWriteLock();

  public InMemorySearchBackend(int dim) {
    this.dim = dim;
  }

  @Override
  public List<Hit> search(float[] vector, int k, String filter, float minScore) {
    List<Map.Entry<String, Object>> conds = parseFilter(filter);
    record Scored(Doc doc, float score) {}
    List<Scored> all = new ArrayList<>();
    lock.readLock().lock();
    try {
      for (Doc d : docs.values()) {
        if (!matches(d, conds)) {
          continue;
        }
        double s = 0;
        for (int i = 0; i < vector.length; i++) {
          s += (double) vector[i] * d.vector()[i];
        }
        if (s >= minScore) {
          all.add(new Scored(d, (float) s));
        }
      }
    } finally {
      lock.readLock().unlock();
    }
    all.sort(Comparator.comparingDouble((Scored s) -> -s.score()).thenComparing(s -> s.doc().id()));
    List<Hit> out = new ArrayList<>();
    for (int i = 0; i < Math.min(k, all.size()); i++) {
      Doc d = all.get(i).doc();
      out.add(new Hit(d.id(), d.path(), d.text(), d.kind(), all.get(i).score(), json(d.metadata())));
    }
    return out;
  }

  private static String json(Map<String, Object> m) {
    try {
      return JSON.writeValueAsString(m == null ? Map.of() : m);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  static List<Map.Entry<String, Object>> parseFilter(String filter) {
    List<Map.Entry<String, Object>> out = new ArrayList<>();
    if (filter == null || filter.isBlank()) {
      return out;
    }
    for (String part : filter.split("(?i)\\s+AND\\s+|&&")) {
      Matcher m = TERM.matcher(part);
      if (!m.matches()) {
        throw new BgeVlException("bad filter: '" + part.trim() + "' is not field = value (the in-memory index supports only equalities joined by AND)");
      }
      Object v;
      if (m.group(3) != null) {
        v = m.group(3).replaceAll("\\\\(.)", "$1");
      } else if (m.group(4) != null) {
        v = m.group(4).replaceAll("\\\\(.)", "$1");
      } else if (m.group(5) != null) {
        try {
          v = Double.parseDouble(m.group(5));
        } catch (NumberFormatException e) {
          throw new BgeVlException("bad filter: '" + m.group(5) + "' is not a number");
        }
      } else {
        v = Boolean.parseBoolean(m.group(2));
      }
      out.add(Map.entry(m.group(1), v));
    }
    return out;
  }

  private static boolean matches(Doc d, List<Map.Entry<String, Object>> conds) {
    for (var c : conds) {
      Object have = switch (c.getKey()) {
        case "id" -> d.id();
        case "kind" -> d.kind();
        case "path" -> d.path();
        default -> d.metadata() == null ? null : d.metadata().get(c.getKey());
      };
      if (!equal(have, c.getValue())) {
        return false;
      }
    }
    return true;
  }

  private static boolean equal(Object have, Object want) {
    if (have instanceof List<?> list) {
      return list.stream().anyMatch(x -> equal(x, want));
    }
    if (have instanceof Number h && want instanceof Number w) {
      return h.doubleValue() == w.doubleValue();
    }
    return have != null && String.valueOf(have).equals(String.valueOf(want));
  }

  @Override
  public void add(Doc doc) {
    if (dim > 0 && doc.vector().length != dim) {
      throw new BgeVlException("item " + doc.id() + ": vector has " + doc.vector().length + " dims, the index holds " + dim);
    }
    lock.writeLock().lock();
    try {
      docs.remove(doc.id());
      docs.put(doc.id(), doc);
    } finally {
      lock.writeLock().unlock();
    }
  }

  @Override
  public boolean delete(String id) {
    lock.writeLock().lock();
    try {
      return docs.remove(id) != null;
    } finally {
      lock.writeLock().unlock();
    }
  }

  @Override
  public Optional<String> pathOf(String id) {
    lock.readLock().lock();
    try {
      Doc d = docs.get(id);
      return d == null ? Optional.empty() : Optional.ofNullable(d.path());
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public int size() {
    lock.readLock().lock();
    try {
      return docs.size();
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public boolean writable() {
    return true;
  }

  @Override
  public int dim() {
    return dim;
  }

  @Override
  public String describe() {
    return "in-memory (exact, not persisted)";
  }

  @Override
  public void close() {}
}
