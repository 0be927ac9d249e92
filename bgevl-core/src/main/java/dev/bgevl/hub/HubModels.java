package dev.bgevl.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bgevl.BgeVlException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Resolves a {@code --model} argument to a local folder: an existing folder as is, or a Hugging Face
 * repo id ({@code BAAI/BGE-VL-base}, optionally {@code @revision}) downloaded into the standard hub
 * cache, shared with Python's huggingface_hub:
 *
 * <pre>
 * $HF_HUB_CACHE (default $HF_HOME/hub, HF_HOME default ~/.cache/huggingface)
 *   models--BAAI--BGE-VL-base/
 *     refs/main                      the commit the revision points to
 *     blobs/&lt;etag&gt;                  file contents, named by sha256 (LFS) or git blob sha1
 *     blobs/&lt;etag&gt;.incomplete       a partial download, resumed with an HTTP Range request
 *     snapshots/&lt;commit&gt;/config.json  relative symlink to ../../blobs/&lt;etag&gt; (a copy where links fail)
 *   .locks/models--BAAI--BGE-VL-base/&lt;etag&gt;.lock
 * </pre>
 *
 * Environment: {@code HF_ENDPOINT} (default https://huggingface.co), {@code HF_TOKEN} (else
 * {@code $HF_HOME/token}), {@code HF_HOME}, {@code HF_HUB_CACHE}, {@code HF_HUB_OFFLINE=1} (use the
 * cache only). Metadata comes from {@code HEAD /<repo>/resolve/<commit>/<file>} as huggingface_hub
 * reads it: {@code X-Repo-Commit}, {@code X-Linked-Etag}/{@code ETag}, {@code X-Linked-Size}/
 * {@code Content-Length}, and a redirect {@code Location} for LFS files. Every download is checked
 * against the size and, where the etag is a sha256 (LFS) or a git blob sha1, against that hash.
 */
public final class HubModels {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern REPO_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*(@[A-Za-z0-9_.\\-/]+)?");
  private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");
  private static final int ATTEMPTS = 4;

  /** Where and how to download; {@link #fromEnvironment()} reads the huggingface_hub variables. */
  public record Config(URI endpoint, String token, Path hubCache, boolean offline, PrintStream progress) {
    public static Config fromEnvironment() {
      return fromEnvironment(System.getenv(), System.err);
    }

    public static Config fromEnvironment(Map<String, String> env, PrintStream progress) {
      String endpoint = Optional.ofNullable(env.get("HF_ENDPOINT")).filter(s -> !s.isBlank()).orElse("https://huggingface.co");
      Path home = Optional.ofNullable(env.get("HF_HOME")).filter(s -> !s.isBlank()).map(Path::of)
          .orElseGet(() -> Optional.ofNullable(env.get("XDG_CACHE_HOME")).filter(s -> !s.isBlank()).map(Path::of)
              .orElse(Path.of(System.getProperty("user.home"), ".cache")).resolve("huggingface"));
      Path cache = Optional.ofNullable(env.get("HF_HUB_CACHE")).filter(s -> !s.isBlank()).map(Path::of).orElse(home.resolve("hub"));
      String token = Optional.ofNullable(env.get("HF_TOKEN")).filter(s -> !s.isBlank()).orElse(null);
      if (token == null) {
        try {
          Path f = home.resolve("token");
          if (Files.isRegularFile(f)) token = Files.readString(f).strip();
        } catch (IOException e) {
          token = null;
        }
      }
      String off = Optional.ofNullable(env.get("HF_HUB_OFFLINE")).orElse("").strip().toUpperCase(Locale.ROOT);
      boolean offline = off.equals("1") || off.equals("ON") || off.equals("YES") || off.equals("TRUE");
      return new Config(URI.create(endpoint.endsWith("/") ? endpoint.substring(0, endpoint.length() - 1) : endpoint),
          token == null || token.isEmpty() ? null : token, cache, offline, progress);
    }
  }

  private final Config config;
  private final HttpClient http;

  public HubModels(Config config) {
    this.config = config;
    this.http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
        .connectTimeout(Duration.ofSeconds(20)).build();
  }

  /** {@code modelOrPath}: a local model folder, or a repo id resolved with the environment's settings. */
  public static Path resolve(String modelOrPath) {
    return new HubModels(Config.fromEnvironment()).resolveModel(modelOrPath);
  }

  /** True when {@code s} is not an existing path and has the shape ORG/NAME[@REVISION]. */
  public static boolean isRepoId(String s) {
    return !Files.exists(Path.of(s)) && REPO_ID.matcher(s).matches();
  }

  public Path resolveModel(String modelOrPath) {
    Path p = Path.of(modelOrPath);
    if (Files.isDirectory(p)) return p;
    if (!REPO_ID.matcher(modelOrPath).matches()) {
      throw new BgeVlException("model " + modelOrPath + ": no such folder, and not a Hugging Face repo id (ORG/NAME)");
    }
    int at = modelOrPath.indexOf('@');
    String repo = at < 0 ? modelOrPath : modelOrPath.substring(0, at);
    String revision = at < 0 ? "main" : modelOrPath.substring(at + 1);
    return snapshot(repo, revision);
  }

  /** The local snapshot folder of {@code repo} at {@code revision}, downloading what is missing. */
  public Path snapshot(String repo, String revision) {
    Path repoDir = config.hubCache().resolve("models--" + repo.replace("/", "--"));
    if (config.offline()) {
      return cached(repo, revision, repoDir).orElseThrow(() -> new BgeVlException("model " + repo
          + " is not in the Hugging Face cache (" + config.hubCache() + ") and HF_HUB_OFFLINE is set: download it once online, or pass --model DIR"));
    }
    JsonNode info;
    try {
      info = api(repo, revision);
    } catch (IOException e) {
      Optional<Path> c = cached(repo, revision, repoDir);
      if (c.isPresent()) {
        note("cannot reach " + config.endpoint() + " (" + oneLine(e) + "): using the cached copy of " + repo);
        return c.get();
      }
      throw new BgeVlException("cannot download model " + repo + ": " + config.endpoint() + " is unreachable (" + oneLine(e)
          + "); pass --model DIR with a local copy of the model");
    }
    String commit = info.path("sha").asText("");
    if (!COMMIT.matcher(commit).matches()) throw new BgeVlException("model " + repo + ": the hub answered without a commit id for revision " + revision);
    List<String> files = new ArrayList<>();
    for (JsonNode s : info.path("siblings")) files.add(s.path("rfilename").asText());
    List<String> wanted = wanted(repo, files);
    Path snap = repoDir.resolve("snapshots").resolve(commit);
    for (String f : wanted) fetch(repo, commit, f, repoDir, snap);
    try {
      if (!revision.equals(commit)) {
        Path ref = repoDir.resolve("refs").resolve(revision);
        Files.createDirectories(ref.getParent());
        writeAtomically(ref, commit.getBytes(StandardCharsets.US_ASCII));
      }
    } catch (IOException e) {
      throw new BgeVlException("model " + repo + ": cannot write " + repoDir.resolve("refs") + ": " + oneLine(e));
    }
    return snap;
  }

  /** The files bge-vl-java reads: root-level configs, tokenizer files and safetensors weights. */
  static List<String> wanted(String repo, List<String> files) {
    List<String> out = new ArrayList<>();
    boolean weights = false;
    for (String f : files) {
      if (f.contains("/")) continue;
      String l = f.toLowerCase(Locale.ROOT);
      if (l.endsWith(".safetensors")) weights = true;
      if (l.endsWith(".json") || l.endsWith(".txt") || l.endsWith(".safetensors") || l.equals("tokenizer.model")) out.add(f);
    }
    if (!out.contains("config.json")) throw new BgeVlException("model " + repo + ": the repository has no config.json");
    if (!weights) throw new BgeVlException("model " + repo + ": the repository has no .safetensors weights (bge-vl-java reads safetensors only)");
    return out;
  }

  private JsonNode api(String repo, String revision) throws IOException {
    URI uri = URI.create(config.endpoint() + "/api/models/" + repo + "/revision/" + URLEncoder.encode(revision, StandardCharsets.UTF_8));
    HttpResponse<byte[]> r = send(request(uri, true).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    checkStatus(r.statusCode(), repo, null);
    return JSON.readTree(r.body());
  }

  private void checkStatus(int status, String repo, String file) {
    String what = "model " + repo + (file == null ? "" : " file " + file);
    if (status == 401 || status == 403) {
      throw new BgeVlException(what + ": access denied by " + config.endpoint() + " (HTTP " + status + "): set HF_TOKEN to a token that may read it");
    }
    if (status == 404) throw new BgeVlException(what + ": not found on " + config.endpoint() + " (HTTP 404)");
    if (status >= 400) throw new BgeVlException(what + ": " + config.endpoint() + " answered HTTP " + status);
  }

  private record Meta(String commit, String etag, long size, URI location) {}

  private void fetch(String repo, String commit, String file, Path repoDir, Path snap) {
    Path target = snap.resolve(file);
    if (Files.exists(target)) return; // follows the link: present and complete
    String where = repo + "/" + file;
    try {
      Meta m = head(repo, commit, file);
      Path blob = repoDir.resolve("blobs").resolve(m.etag());
      Files.createDirectories(blob.getParent());
      Path lockFile = config.hubCache().resolve(".locks").resolve(repoDir.getFileName()).resolve(m.etag() + ".lock");
      Files.createDirectories(lockFile.getParent());
      try (FileChannel lc = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
           FileLock lock = lc.lock()) {
        if (!Files.exists(blob) || Files.size(blob) != m.size()) download(where, m, blob);
      }
      link(target, blob);
    } catch (IOException e) {
      throw new BgeVlException("download of " + where + " failed: " + oneLine(e));
    }
  }

  private Meta head(String repo, String commit, String file) throws IOException {
    URI uri = URI.create(config.endpoint() + "/" + repo + "/resolve/" + commit + "/" + encodePath(file));
    HttpResponse<Void> r = null;
    for (int hop = 0; hop < 5; hop++) {
      r = send(request(uri, true).method("HEAD", HttpRequest.BodyPublishers.noBody()).header("Accept-Encoding", "identity").build(),
          HttpResponse.BodyHandlers.discarding());
      // a relative redirect means a renamed repo: follow it; an absolute one is the LFS/CDN location
      Optional<String> loc = r.headers().firstValue("Location");
      if (r.statusCode() >= 300 && r.statusCode() < 400 && loc.isPresent() && loc.get().startsWith("/")) {
        uri = uri.resolve(loc.get());
        continue;
      }
      break;
    }
    checkStatus(r.statusCode(), repo, file);
    var h = r.headers();
    String commitHeader = h.firstValue("X-Repo-Commit").orElse(commit);
    String etag = h.firstValue("X-Linked-Etag").or(() -> h.firstValue("ETag"))
        .orElseThrow(() -> new IOException("the hub sent no ETag for it"));
    etag = normalizeEtag(etag);
    if (!etag.matches("[A-Za-z0-9_.-]+")) throw new IOException("the hub sent an unusable ETag '" + etag + "'");
    long size = h.firstValueAsLong("X-Linked-Size").orElse(h.firstValueAsLong("Content-Length").orElse(-1));
    if (size < 0) throw new IOException("the hub sent no size for it");
    URI location = uri;
    Optional<String> loc = h.firstValue("Location");
    if (r.statusCode() >= 300 && r.statusCode() < 400 && loc.isPresent()) location = uri.resolve(loc.get());
    return new Meta(commitHeader, etag, size, location);
  }

  static String normalizeEtag(String etag) {
    String e = etag.strip();
    if (e.startsWith("W/")) e = e.substring(2);
    if (e.length() >= 2 && e.startsWith("\"") && e.endsWith("\"")) e = e.substring(1, e.length() - 1);
    return e;
  }

  /** Downloads into blob.incomplete, resuming with Range, then verifies and renames it to blob. */
  private void download(String where, Meta m, Path blob) throws IOException {
    Path part = blob.resolveSibling(blob.getFileName() + ".incomplete");
    IOException last = null;
    ByteProgress progress = new ByteProgress(config.progress(), where, m.size());
    for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
      long have = Files.exists(part) ? Files.size(part) : 0;
      if (have > m.size()) {
        Files.delete(part);
        have = 0;
      }
      try {
        if (have < m.size()) transfer(m, part, have, progress);
        long now = Files.exists(part) ? Files.size(part) : 0;
        if (now < m.size()) {
          last = new IOException("the connection closed early");
          continue;
        }
        last = null;
        break;
      } catch (IOException e) {
        last = e;
        if (e instanceof BadStatus) break;
      }
    }
    progress.finish();
    long got = Files.exists(part) ? Files.size(part) : 0;
    if (last instanceof BadStatus) throw new IOException(last.getMessage());
    if (last != null) {
      throw new IOException("interrupted after " + got + " of " + m.size() + " bytes (" + oneLine(last)
          + "); run again to resume from " + part.getFileName());
    }
    if (got != m.size()) throw new IOException("got " + got + " bytes, expected " + m.size() + "; run again");
    String problem = verify(part, m.etag(), m.size());
    if (problem != null) {
      Files.deleteIfExists(part);
      throw new IOException(problem + "; the corrupt download was removed, run again");
    }
    try {
      Files.move(part, blob, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(part, blob, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  private static final class BadStatus extends IOException {
    BadStatus(String m) {
      super(m);
    }
  }

  private void transfer(Meta m, Path part, long have, ByteProgress progress) throws IOException {
    URI uri = m.location();
    HttpResponse<InputStream> r = null;
    for (int hop = 0; hop < 5; hop++) {
      boolean sameHost = uri.getHost() != null && uri.getHost().equals(config.endpoint().getHost()) && uri.getPort() == config.endpoint().getPort();
      HttpRequest.Builder b = request(uri, sameHost).GET();
      if (have > 0) b.header("Range", "bytes=" + have + "-");
      r = send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
      Optional<String> loc = r.headers().firstValue("Location");
      if (r.statusCode() >= 300 && r.statusCode() < 400 && loc.isPresent()) {
        r.body().close();
        uri = uri.resolve(loc.get());
        continue;
      }
      break;
    }
    int status = r.statusCode();
    boolean append = status == 206;
    if (status == 416 && have == m.size()) {
      r.body().close();
      return;
    }
    if (status != 200 && status != 206) {
      r.body().close();
      throw new BadStatus("HTTP " + status + " from " + uri.getHost());
    }
    progress.set(append ? have : 0);
    // java.net.http has no read timeout: a watchdog closes a body that delivers nothing for STALL_SECONDS
    java.util.concurrent.atomic.AtomicLong lastRead = new java.util.concurrent.atomic.AtomicLong(System.nanoTime());
    InputStream body = r.body();
    var watchdog = WATCHDOG.scheduleWithFixedDelay(() -> {
      if (System.nanoTime() - lastRead.get() > STALL_SECONDS * 1_000_000_000L) {
        try {
          body.close();
        } catch (IOException ignored) {
          // the reader sees the stream closed
        }
      }
    }, 1, 1, java.util.concurrent.TimeUnit.SECONDS);
    try (InputStream in = body;
         OutputStream out = Files.newOutputStream(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
             append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)) {
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) {
        lastRead.set(System.nanoTime());
        out.write(buf, 0, n);
        progress.add(n);
      }
    } finally {
      watchdog.cancel(false);
    }
  }

  private static final long STALL_SECONDS = 60;
  private static final java.util.concurrent.ScheduledExecutorService WATCHDOG =
      java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "bgevl-hub-watchdog");
        t.setDaemon(true);
        return t;
      });

  /** Null when the file matches the etag's hash (sha256 for LFS, git blob sha1 otherwise). */
  static String verify(Path file, String etag, long size) throws IOException {
    String algo = etag.length() == 64 && etag.matches("[0-9a-f]+") ? "SHA-256" : etag.length() == 40 && etag.matches("[0-9a-f]+") ? "SHA-1" : null;
    if (algo == null) return null; // an opaque etag: only the size can be checked
    MessageDigest md;
    try {
      md = MessageDigest.getInstance(algo);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    if (algo.equals("SHA-1")) md.update(("blob " + size + "\0").getBytes(StandardCharsets.US_ASCII));
    byte[] buf = new byte[1 << 16];
    try (InputStream in = Files.newInputStream(file)) {
      for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
    }
    String got = HexFormat.of().formatHex(md.digest());
    return got.equals(etag) ? null : (algo.equals("SHA-256") ? "sha256 " : "git sha1 ") + "mismatch (expected " + etag + ", got " + got + ")";
  }

  private static void link(Path target, Path blob) throws IOException {
    Files.createDirectories(target.getParent());
    Path tmp = target.resolveSibling(target.getFileName() + ".tmp-link");
    Files.deleteIfExists(tmp);
    try {
      Files.createSymbolicLink(tmp, target.getParent().relativize(blob));
    } catch (UnsupportedOperationException | IOException e) {
      Files.copy(blob, tmp, StandardCopyOption.REPLACE_EXISTING); // file systems without symlinks, as huggingface_hub does
    }
    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** A cached snapshot for the revision that holds a config.json and weights, if any. */
  private Optional<Path> cached(String repo, String revision, Path repoDir) {
    try {
      String commit = revision;
      if (!COMMIT.matcher(revision).matches()) {
        Path ref = repoDir.resolve("refs").resolve(revision);
        if (!Files.isRegularFile(ref)) return Optional.empty();
        commit = Files.readString(ref).strip();
      }
      Path snap = repoDir.resolve("snapshots").resolve(commit);
      if (!Files.isRegularFile(snap.resolve("config.json"))) return Optional.empty();
      try (var s = Files.list(snap)) {
        if (s.noneMatch(p -> p.getFileName().toString().endsWith(".safetensors") && Files.isRegularFile(p))) return Optional.empty();
      }
      return Optional.of(snap);
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private HttpRequest.Builder request(URI uri, boolean auth) {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(10))
        .header("User-Agent", "bge-vl-java/0.1; hf_hub-compatible");
    if (auth && config.token() != null) b.header("Authorization", "Bearer " + config.token());
    return b;
  }

  private <T> HttpResponse<T> send(HttpRequest req, HttpResponse.BodyHandler<T> h) throws IOException {
    try {
      return http.send(req, h);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted");
    } catch (ConnectException e) {
      throw new ConnectException("connection refused by " + req.uri().getHost());
    }
  }

  private static String encodePath(String file) {
    StringBuilder sb = new StringBuilder();
    for (String part : file.split("/")) {
      if (!sb.isEmpty()) sb.append('/');
      sb.append(URLEncoder.encode(part, StandardCharsets.UTF_8).replace("+", "%20"));
    }
    return sb.toString();
  }

  private static void writeAtomically(Path f, byte[] bytes) throws IOException {
    Path tmp = f.resolveSibling(f.getFileName() + ".tmp");
    Files.write(tmp, bytes);
    Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private void note(String line) {
    if (config.progress() != null) config.progress().println("bgevl: " + line);
  }

  static String oneLine(Throwable e) {
    String m = e.getMessage() == null || e.getMessage().isBlank() ? e.getClass().getSimpleName() : e.getMessage();
    return m.replace('\n', ' ').replace('\r', ' ');
  }

  /** Bytes progress on stderr: a redrawn line on a terminal, a line every 5 s otherwise. */
  private static final class ByteProgress {
    private final PrintStream out;
    private final String label;
    private final long total;
    private final long start = System.nanoTime();
    private final boolean terminal = System.console() != null && System.console().isTerminal();
    private long done;
    private long startDone = -1;
    private long lastPrint;

    ByteProgress(PrintStream out, String label, long total) {
      this.out = out;
      this.label = label;
      this.total = total;
    }

    void set(long d) {
      done = d;
      if (startDone < 0) startDone = d;
    }

    void add(long n) {
      done += n;
      long now = System.nanoTime();
      if (out != null && now - lastPrint > (terminal ? 200_000_000L : 5_000_000_000L)) {
        lastPrint = now;
        print(now);
      }
    }

    void finish() {
      if (out == null || startDone < 0) return;
      print(System.nanoTime());
      if (terminal) out.println();
    }

    private void print(long now) {
      double secs = Math.max(1e-9, (now - start) / 1e9);
      double rate = (done - Math.max(0, startDone)) / secs;
      int width = 30;
      int filled = total <= 0 ? width : (int) Math.min(width, width * done / total);
      String eta = rate > 0 && total > done ? Math.round((total - done) / rate) + "s" : "0s";
      String line = String.format(Locale.ROOT, "downloading %s [%s] %.1f/%.1f MB %.1f MB/s ETA %s", label,
          "#".repeat(filled) + ".".repeat(width - filled), done / 1e6, total / 1e6, rate / 1e6, eta);
      if (terminal) out.print("\r" + line + "   ");
      else out.println(line);
      out.flush();
    }
  }
}
