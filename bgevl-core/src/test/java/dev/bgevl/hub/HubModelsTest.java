package dev.bgevl.hub;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.bgevl.BgeVlException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HubModels against a fake hub on 127.0.0.1 serving the tiny CLIP model the way huggingface.co
 * does: the revision API, HEAD metadata (ETag = git blob sha1 for small files; a 302 to a "CDN"
 * with X-Linked-Etag = sha256 and X-Linked-Size for the LFS weights), Range requests on the CDN.
 */
class HubModelsTest {
  static final Path MODEL = Path.of("src/test/resources/fixtures/clip-tiny");
  static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";
  static final String REPO = "org/tiny";
  static final String WEIGHTS = "model.safetensors";

  enum Mode { OK, CUT_ONCE, CUT_ALWAYS, CORRUPT }

  HttpServer server;
  java.net.ServerSocket cdn; // the LFS "CDN": another origin (no token), raw sockets so it can drop a connection mid-body
  Thread cdnThread;
  volatile Mode mode = Mode.OK;
  final List<String> requests = Collections.synchronizedList(new ArrayList<>());
  final Map<String, byte[]> files = new LinkedHashMap<>();
  volatile int cdnGets;
  @TempDir Path tmp;

  @BeforeEach
  void start() throws IOException {
    try (var s = Files.list(MODEL)) {
      for (Path p : s.sorted().toList()) files.put(p.getFileName().toString(), Files.readAllBytes(p));
    }
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::handle);
    server.start();
    cdn = new java.net.ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    cdnThread = new Thread(this::serveCdn, "fake-cdn");
    cdnThread.setDaemon(true);
    cdnThread.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
    try {
      cdn.close();
    } catch (IOException ignored) {
      // closing
    }
  }

  private void serveCdn() {
    while (!cdn.isClosed()) {
      try (java.net.Socket sock = cdn.accept()) {
        var in = new java.io.BufferedReader(new java.io.InputStreamReader(sock.getInputStream(), StandardCharsets.ISO_8859_1));
        String requestLine = in.readLine();
        if (requestLine == null) continue;
        String range = null;
        boolean auth = false;
        for (String h; (h = in.readLine()) != null && !h.isEmpty(); ) {
          String l = h.toLowerCase(java.util.Locale.ROOT);
          if (l.startsWith("range:")) range = h.substring(6).strip();
          if (l.startsWith("authorization:")) auth = true;
        }
        String path = requestLine.split(" ")[1];
        requests.add("GET " + path + (range == null ? "" : " " + range));
        OutputStream out = sock.getOutputStream();
        if (auth) {
          out.write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
          continue;
        }
        byte[] body = files.get(WEIGHTS).clone();
        if (mode == Mode.CORRUPT) body[body.length / 2] ^= 1;
        int from = range == null ? 0 : Integer.parseInt(range.substring("bytes=".length(), range.indexOf('-')));
        int n = body.length - from;
        cdnGets++;
        String head = (range == null ? "HTTP/1.1 200 OK\r\n" : "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes " + from + "-"
            + (body.length - 1) + "/" + body.length + "\r\n") + "Content-Length: " + n + "\r\nConnection: close\r\n\r\n";
        out.write(head.getBytes(StandardCharsets.US_ASCII));
        boolean cut = mode == Mode.CUT_ALWAYS || (mode == Mode.CUT_ONCE && cdnGets == 1);
        out.write(body, from, cut ? Math.min(n, 1_000_000) : n);
        out.flush();
        // closing the socket here ends the body early when cut: the client sees a premature end of stream
      } catch (IOException e) {
        // the next connection
      }
    }
  }

  URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  HubModels hub(boolean offline) {
    return new HubModels(new HubModels.Config(endpoint(), "secret-token", tmp.resolve("hub"), offline, null));
  }

  static String sha256(byte[] b) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }

  static String gitSha1(byte[] b) throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-1");
    md.update(("blob " + b.length + "\0").getBytes(StandardCharsets.US_ASCII));
    return HexFormat.of().formatHex(md.digest(b));
  }

  private void handle(HttpExchange ex) throws IOException {
    String path = ex.getRequestURI().getPath();
    String range = ex.getRequestHeaders().getFirst("Range");
    requests.add(ex.getRequestMethod() + " " + path + (range == null ? "" : " " + range));
    try {
      if (path.equals("/api/models/" + REPO + "/revision/main")) {
        if (!"Bearer secret-token".equals(ex.getRequestHeaders().getFirst("Authorization"))) {
          reply(ex, 401, new byte[0]);
          return;
        }
        StringBuilder sib = new StringBuilder("{\"rfilename\": \"README.md\"}, {\"rfilename\": \"onnx/model.onnx\"}");
        for (String f : files.keySet()) sib.append(", {\"rfilename\": \"").append(f).append("\"}");
        reply(ex, 200, ("{\"id\": \"" + REPO + "\", \"sha\": \"" + COMMIT + "\", \"siblings\": [" + sib + "]}").getBytes(StandardCharsets.UTF_8));
      } else if (path.startsWith("/" + REPO + "/resolve/" + COMMIT + "/")) {
        String name = path.substring(("/" + REPO + "/resolve/" + COMMIT + "/").length());
        byte[] body = files.get(name);
        if (body == null) {
          reply(ex, 404, new byte[0]);
          return;
        }
        ex.getResponseHeaders().add("X-Repo-Commit", COMMIT);
        if (name.equals(WEIGHTS)) {
          ex.getResponseHeaders().add("X-Linked-Etag", "\"" + sha256(body) + "\"");
          ex.getResponseHeaders().add("X-Linked-Size", Long.toString(body.length));
          ex.getResponseHeaders().add("ETag", "\"" + gitSha1("pointer".getBytes()) + "\"");
          ex.getResponseHeaders().add("Location", "http://127.0.0.1:" + cdn.getLocalPort() + "/cdn/" + sha256(body));
          ex.sendResponseHeaders(302, -1);
          ex.close();
          return;
        }
        ex.getResponseHeaders().add("ETag", "W/\"" + gitSha1(body) + "\"");
        if (ex.getRequestMethod().equals("HEAD")) {
          ex.getResponseHeaders().add("Content-Length", Long.toString(body.length));
          ex.sendResponseHeaders(200, -1);
          ex.close();
          return;
        }
        reply(ex, 200, body);
      } else {
        reply(ex, 404, new byte[0]);
      }
    } catch (Exception e) {
      reply(ex, 500, e.toString().getBytes(StandardCharsets.UTF_8));
    }
  }

  private static void reply(HttpExchange ex, int status, byte[] body) throws IOException {
    ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    if (body.length > 0) ex.getResponseBody().write(body);
    ex.close();
  }

  void assertSnapshotComplete(Path snap) throws Exception {
    assertEquals(tmp.resolve("hub/models--org--tiny/snapshots/" + COMMIT), snap);
    for (var e : files.entrySet()) {
      Path f = snap.resolve(e.getKey());
      assertArrayEquals(e.getValue(), Files.readAllBytes(f), e.getKey());
      assertTrue(Files.isSymbolicLink(f), e.getKey() + " is a link into blobs/");
      String etag = e.getKey().equals(WEIGHTS) ? sha256(e.getValue()) : gitSha1(e.getValue());
      assertEquals(Path.of("../../blobs/" + etag), Files.readSymbolicLink(f), e.getKey());
    }
    assertFalse(Files.exists(snap.resolve("README.md")), "only the files the model needs");
    assertEquals(COMMIT, Files.readString(tmp.resolve("hub/models--org--tiny/refs/main")));
    try (var s = Files.list(tmp.resolve("hub/models--org--tiny/blobs"))) {
      assertTrue(s.noneMatch(p -> p.toString().endsWith(".incomplete")));
    }
  }

  @Test
  void downloadsIntoTheHubCacheLayoutAndReusesIt() throws Exception {
    Path snap = hub(false).resolveModel(REPO);
    assertSnapshotComplete(snap);
    assertTrue(requests.contains("HEAD /" + REPO + "/resolve/" + COMMIT + "/config.json"), requests.toString());
    assertEquals(1, cdnGets);
    requests.clear();
    assertEquals(snap, hub(false).resolveModel(REPO));
    assertEquals(List.of("GET /api/models/" + REPO + "/revision/main"), requests, "a complete snapshot is not downloaded again");
    // a local folder is used as it is
    assertEquals(MODEL, hub(false).resolveModel(MODEL.toString()));
  }

  @Test
  void resumesAfterACutConnectionWithARangeRequest() throws Exception {
    mode = Mode.CUT_ALWAYS;
    BgeVlException e = assertThrows(BgeVlException.class, () -> hub(false).resolveModel(REPO));
    String blobs = "hub/models--org--tiny/blobs/";
    Path part = tmp.resolve(blobs + sha256(files.get(WEIGHTS)) + ".incomplete");
    assertTrue(e.getMessage().startsWith("download of org/tiny/model.safetensors failed: interrupted after "), e.getMessage());
    assertTrue(e.getMessage().endsWith("; run again to resume from " + part.getFileName()), e.getMessage());
    long partial = Files.size(part);
    assertTrue(partial > 0 && partial < files.get(WEIGHTS).length, "kept the partial download: " + partial);

    // the next run continues where the last one stopped, and a cut inside one run is retried at once
    mode = Mode.CUT_ONCE;
    cdnGets = 0;
    requests.clear();
    assertSnapshotComplete(hub(false).resolveModel(REPO));
    List<String> cdn = requests.stream().filter(r -> r.startsWith("GET /cdn/")).toList();
    assertEquals(2, cdn.size(), cdn.toString());
    assertTrue(cdn.get(0).endsWith(" bytes=" + partial + "-"), cdn.toString());
    long afterCut = Long.parseLong(cdn.get(1).substring(cdn.get(1).indexOf("bytes=") + 6, cdn.get(1).length() - 1));
    assertTrue(afterCut > partial, cdn.toString());
  }

  @Test
  void aBadChecksumIsRefusedAndTheDownloadRemoved() throws Exception {
    mode = Mode.CORRUPT;
    BgeVlException e = assertThrows(BgeVlException.class, () -> hub(false).resolveModel(REPO));
    String want = sha256(files.get(WEIGHTS));
    assertTrue(e.getMessage().startsWith("download of org/tiny/model.safetensors failed: sha256 mismatch (expected " + want + ", got "), e.getMessage());
    assertTrue(e.getMessage().endsWith("); the corrupt download was removed, run again"), e.getMessage());
    Path blobs = tmp.resolve("hub/models--org--tiny/blobs");
    assertFalse(Files.exists(blobs.resolve(want)));
    assertFalse(Files.exists(blobs.resolve(want + ".incomplete")));
    assertFalse(Files.exists(tmp.resolve("hub/models--org--tiny/snapshots/" + COMMIT + "/" + WEIGHTS)));
    mode = Mode.OK;
    assertSnapshotComplete(hub(false).resolveModel(REPO));
  }

  @Test
  void offlineModeUsesTheCacheOnlyAndSaysSoWhenTheModelIsMissing() throws Exception {
    BgeVlException e = assertThrows(BgeVlException.class, () -> hub(true).resolveModel(REPO));
    assertEquals("model org/tiny is not in the Hugging Face cache (" + tmp.resolve("hub")
        + ") and HF_HUB_OFFLINE is set: download it once online, or pass --model DIR", e.getMessage());
    assertTrue(requests.isEmpty(), requests.toString());
    Path snap = hub(false).resolveModel(REPO);
    requests.clear();
    assertEquals(snap, hub(true).resolveModel(REPO));
    assertTrue(requests.isEmpty(), "offline: no request at all " + requests);
  }

  @Test
  void anUnreachableHubFallsBackToTheCacheOrSaysWhatToDo() throws Exception {
    int port;
    try (var s = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    HubModels dead = new HubModels(new HubModels.Config(URI.create("http://127.0.0.1:" + port), null, tmp.resolve("hub"), false, null));
    BgeVlException e = assertThrows(BgeVlException.class, () -> dead.resolveModel(REPO));
    assertEquals("cannot download model org/tiny: http://127.0.0.1:" + port + " is unreachable (connection refused by 127.0.0.1); pass --model DIR with a local copy of the model",
        e.getMessage());
    Path snap = hub(false).resolveModel(REPO);
    assertEquals(snap, dead.resolveModel(REPO));
    BgeVlException bad = assertThrows(BgeVlException.class, () -> dead.resolveModel("no/such/thing"));
    assertEquals("model no/such/thing: no such folder, and not a Hugging Face repo id (ORG/NAME)", bad.getMessage());
    HubModels noToken = new HubModels(new HubModels.Config(endpoint(), null, tmp.resolve("hub2"), false, null));
    BgeVlException denied = assertThrows(BgeVlException.class, () -> noToken.resolveModel(REPO));
    assertEquals("model org/tiny: access denied by " + endpoint() + " (HTTP 401): set HF_TOKEN to a token that may read it", denied.getMessage());
  }

  @Test
  void environmentVariablesAreReadLikeHuggingfaceHub() {
    var c = HubModels.Config.fromEnvironment(Map.of("HF_HOME", "/x/hf", "HF_ENDPOINT", "http://mirror:8080/", "HF_TOKEN", "t",
        "HF_HUB_OFFLINE", "1"), null);
    assertEquals(URI.create("http://mirror:8080"), c.endpoint());
    assertEquals(Path.of("/x/hf/hub"), c.hubCache());
    assertEquals("t", c.token());
    assertTrue(c.offline());
    var d = HubModels.Config.fromEnvironment(Map.of("HF_HUB_CACHE", "/c", "HF_HUB_OFFLINE", "0"), null);
    assertEquals(URI.create("https://huggingface.co"), d.endpoint());
    assertEquals(Path.of("/c"), d.hubCache());
    assertFalse(d.offline());
    assertEquals("abc", HubModels.normalizeEtag("W/\"abc\""));
  }
}
