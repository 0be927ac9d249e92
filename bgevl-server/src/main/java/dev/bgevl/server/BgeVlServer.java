package dev.bgevl.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bgevl.BgeVlException;
import io.javalin.Javalin;
import io.javalin.config.SizeUnit;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HandlerType;
import io.javalin.http.HttpResponseException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP server: an OpenAI-compatible {@code /v1/embeddings}, search and index changes, health,
 * Prometheus metrics and the search web page, in front of one {@link Embedder} (requests are
 * merged into model batches by a {@link Batcher}) and one {@link SearchBackend}.
 *
 * <pre>{@code
 * try (BgeVl model = BgeVl.load(dir);
 *      BgeVlServer server = BgeVlServer.start(Embedder.of(model), new InMemorySearchBackend(model.dim()),
 *          ServerConfig.builder().port(8080).build())) {
 *   server.join();
 * }
 * }</pre>
 *
 * <p>Thread safety: requests run on virtual threads; the embedder, backend, batcher and metrics
 * are shared and thread-safe. {@link #close()} stops accepting requests, fails queued ones with
 * 503 and stops the batcher; it does not close the embedder or the backend (their owner does).
 */
public final class BgeVlServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(BgeVlServer.class);
  static final ObjectMapper JSON = new ObjectMapper();
  private static final String ROUTE = "bgevl.route";
  private static final String START = "bgevl.start";

  private final Embedder embedder;
  private final SearchBackend backend;
  private final ServerConfig config;
  private final Metrics metrics;
  private final Batcher batcher;
  private final Api api;
  private final Javalin app;
  private final byte[] apiKeyBytes;
  private final boolean loopbackOnly;
  private final java.util.concurrent.CountDownLatch stopped = new java.util.concurrent.CountDownLatch(1);

  private BgeVlServer(Embedder embedder, SearchBackend backend, ServerConfig config, Metrics metrics) {
    this.embedder = embedder;
    this.backend = backend;
    this.config = config;
    this.metrics = metrics;
    this.apiKeyBytes = config.apiKey() == null ? null : config.apiKey().getBytes(StandardCharsets.UTF_8);
    String h = config.host();
    this.loopbackOnly = h.equals("localhost") || h.startsWith("127.") || h.equals("::1") || h.equals("[::1]");
    this.batcher = new Batcher(embedder, config.batching(), metrics);
    this.api = new Api(embedder, backend, config, metrics, batcher);
    metrics.gauge("bgevl_index_documents", "Items in the search index.", backend::size);
    this.app = Javalin.create(cfg -> {
      cfg.startup.showJavalinBanner = false;
      cfg.concurrency.useVirtualThreads = true;
      cfg.http.maxRequestSize = config.maxBodyBytes();
      cfg.jetty.multipartConfig.maxTotalRequestSize(config.maxBodyBytes(), SizeUnit.BYTES);
      cfg.jetty.multipartConfig.maxFileSize(config.maxImageBytes(), SizeUnit.BYTES);
      cfg.jetty.multipartConfig.maxInMemoryFileSize((int) Math.min(Integer.MAX_VALUE, config.maxBodyBytes()), SizeUnit.BYTES);
      cfg.router.javaLangErrorHandler((res, error) -> {
        LOG.error("fatal error while handling a request", error);
        res.setStatus(500);
      });
      cfg.requestLogger.http(this::record);
      var r = cfg.routes;
      r.before(this::before);
      route(r, HandlerType.GET, "/", ctx -> Static.serve(ctx, "index.html"));
      route(r, HandlerType.GET, "/app.js", ctx -> Static.serve(ctx, "app.js"));
      route(r, HandlerType.GET, "/style.css", ctx -> Static.serve(ctx, "style.css"));
      route(r, HandlerType.GET, "/health", api::health);
      route(r, HandlerType.GET, "/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(metrics.render()));
      route(r, HandlerType.GET, "/v1/models", api::models);
      route(r, HandlerType.POST, "/v1/embeddings", api::embeddings);
      route(r, HandlerType.POST, "/v1/search", api::search);
      route(r, HandlerType.POST, "/v1/documents", api::addDocument);
      route(r, HandlerType.DELETE, "/v1/documents/<id>", api::deleteDocument);
      route(r, HandlerType.GET, "/v1/thumbnail", api::thumbnail);
      r.exception(Exception.class, this::error);
      r.error(404, ctx -> {
        if (!isJson(ctx)) {
          write(ctx, new ApiException(404, ApiException.NOT_FOUND, "no route " + ctx.method() + " " + ctx.path()));
        }
      });
      r.error(405, ctx -> {
        if (!isJson(ctx)) {
          write(ctx, new ApiException(405, ApiException.INVALID_REQUEST, "method " + ctx.method() + " is not allowed on " + ctx.path()));
        }
      });
    });
  }

  /** Whether a handler already wrote a JSON body (an error handler must not replace it). */
  private static boolean isJson(Context ctx) {
    String ct = ctx.res().getContentType();
    return ct != null && ct.startsWith("application/json");
  }

  /** Starts a server (the port is bound when this returns). */
  public static BgeVlServer start(Embedder embedder, SearchBackend backend, ServerConfig config) {
    return start(embedder, backend, config, new Metrics());
  }

  public static BgeVlServer start(Embedder embedder, SearchBackend backend, ServerConfig config, Metrics metrics) {
    if (backend.dim() > 0 && backend.dim() != embedder.dim()) {
      throw new BgeVlException("the index holds " + backend.dim() + "-d vectors but model " + embedder.modelId() + " makes " + embedder.dim() + "-d ones");
    }
    BgeVlServer s = new BgeVlServer(embedder, backend, config, metrics);
    try {
      s.app.start(config.host(), config.port());
    } catch (RuntimeException e) {
      s.batcher.close();
      Throwable c = e;
      while (c.getCause() != null && !(c instanceof java.net.BindException)) {
        c = c.getCause();
      }
      if (c instanceof java.net.BindException) {
        throw new BgeVlException("cannot listen on " + config.host() + ":" + config.port() + " (" + c.getMessage() + "): is another server running? choose --port");
      }
      throw e;
    }
    return s;
  }

  private static void route(io.javalin.config.RoutesConfig r, HandlerType method, String path, Handler h) {
    r.addHttpHandler(method, path, ctx -> {
      ctx.attribute(ROUTE, path);
      h.handle(ctx);
    });
  }

  /** Timing, CORS and authentication, before every handler. */
  private void before(Context ctx) {
    ctx.attribute(START, System.nanoTime());
    ctx.header("X-Content-Type-Options", "nosniff");
    String origin = ctx.header("Origin");
    boolean corsAllowed = origin != null && (config.corsOrigins().contains("*") || config.corsOrigins().contains(origin));
    if (corsAllowed) {
      ctx.header("Access-Control-Allow-Origin", config.corsOrigins().contains("*") ? "*" : origin);
      ctx.header("Vary", "Origin");
      if (ctx.method() == HandlerType.OPTIONS && ctx.header("Access-Control-Request-Method") != null) {
        ctx.header("Access-Control-Allow-Methods", "GET, POST, DELETE");
        ctx.header("Access-Control-Allow-Headers", "Authorization, Content-Type");
        ctx.header("Access-Control-Max-Age", "600");
        ctx.attribute(ROUTE, "preflight");
        ctx.status(204).skipRemainingHandlers();
        return;
      }
    }
    checkHost(ctx);
    if (origin != null && !corsAllowed && ctx.method() != HandlerType.GET && !sameOrigin(origin, ctx.header("Host"))) {
      // a page on another site may send simple (form) POSTs without a preflight: refuse them (CSRF)
      throw new ApiException(403, ApiException.PERMISSION, "cross-origin request from " + origin + " refused (allow it with --cors-origin)");
    }
    String path = ctx.path();
    boolean protectedPath = path.startsWith("/v1/") || path.equals("/metrics");
    if (apiKeyBytes != null && protectedPath) {
      String auth = ctx.header("Authorization");
      if (auth == null || !auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
        throw new ApiException(401, ApiException.AUTHENTICATION,
            "missing API key: send the header 'Authorization: Bearer <key>'", Map.of("WWW-Authenticate", "Bearer"));
      }
      byte[] given = auth.substring(7).trim().getBytes(StandardCharsets.UTF_8);
      if (!MessageDigest.isEqual(given, apiKeyBytes)) {
        throw new ApiException(401, ApiException.AUTHENTICATION, "invalid API key", Map.of("WWW-Authenticate", "Bearer error=\"invalid_token\""));
      }
    }
  }

  /**
   * On a loopback address, only Host names of this machine are served: a web page whose DNS name
   * rebinds to 127.0.0.1 cannot reach the API through the user's browser.
   */
  private void checkHost(Context ctx) {
    if (!loopbackOnly) {
      return;
    }
    String host = hostName(ctx.header("Host"));
    if (host == null || !(host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]") || host.equals("::1"))) {
      throw new ApiException(403, ApiException.PERMISSION, "Host '" + ctx.header("Host") + "' refused: this server listens on "
          + config.host() + " and answers only to localhost names (DNS rebinding protection); use --host to serve other names");
    }
  }

  private static String hostName(String hostHeader) {
    if (hostHeader == null) {
      return null;
    }
    String h = hostHeader.trim().toLowerCase(java.util.Locale.ROOT);
    if (h.startsWith("[")) {
      int end = h.indexOf(']');
      return end < 0 ? h : h.substring(0, end + 1);
    }
    int colon = h.indexOf(':');
    return colon < 0 ? h : h.substring(0, colon);
  }

  private static boolean sameOrigin(String origin, String hostHeader) {
    if (hostHeader == null) {
      return false;
    }
    try {
      java.net.URI u = new java.net.URI(origin);
      String host = u.getHost() == null ? "" : u.getHost().toLowerCase(java.util.Locale.ROOT);
      String hp = u.getPort() < 0 ? host : host + ":" + u.getPort();
      String want = hostHeader.trim().toLowerCase(java.util.Locale.ROOT);
      return want.equals(hp) || want.equals("[" + host + "]" + (u.getPort() < 0 ? "" : ":" + u.getPort())) || want.equals(host + ":80") && u.getPort() < 0;
    } catch (java.net.URISyntaxException e) {
      return false;
    }
  }

  private void error(Exception e, Context ctx) {
    ApiException a = toApi(e);
    if (a.status() == 500) {
      LOG.error("{} {} failed", ctx.method(), ctx.path(), e);
    } else if (a.status() > 500) {
      LOG.warn("{} {}: {} {}", ctx.method(), ctx.path(), a.status(), a.getMessage());
    }
    write(ctx, a);
  }

  static ApiException toApi(Throwable e) {
    if (e instanceof ApiException a) {
      return a;
    }
    if (e instanceof BgeVlException b) {
      return ApiException.badRequest(b.getMessage().replace('\n', ' '));
    }
    if (e instanceof HttpResponseException h) {
      String msg = h.getStatus() == 413 ? "the request body is larger than the limit (--max-body-bytes)" : h.getMessage();
      return new ApiException(h.getStatus(), h.getStatus() == 413 || h.getStatus() < 500 ? ApiException.INVALID_REQUEST : ApiException.SERVER, msg);
    }
    if (e instanceof OutOfMemoryError) {
      return new ApiException(503, ApiException.SERVER, "the server ran out of memory for this request; retry with fewer or smaller inputs",
          Map.of("Retry-After", "5"));
    }
    return new ApiException(500, ApiException.SERVER, "internal error (" + e.getClass().getSimpleName() + "); see the server log");
  }

  static void write(Context ctx, ApiException a) {
    ObjectNode root = JSON.createObjectNode();
    ObjectNode err = root.putObject("error");
    err.put("message", a.getMessage());
    err.put("type", a.type());
    err.putNull("param");
    err.put("code", a.status());
    a.headers().forEach(ctx::header);
    ctx.status(a.status()).contentType("application/json").result(root.toString());
  }

  private void record(Context ctx, Float ms) {
    String route = ctx.attribute(ROUTE);
    if (route == null) {
      route = "unmatched";
    }
    Long start = ctx.attribute(START);
    double secs = start != null ? (System.nanoTime() - start) / 1e9 : ms / 1000.0;
    metrics.requests.inc(route, ctx.method().name(), Integer.toString(ctx.statusCode()));
    metrics.requestSeconds.observe(secs, route);
  }

  public int port() {
    return app.port();
  }

  /** {@code http://host:port} as clients on this machine reach it. */
  public String url() {
    String h = config.host().equals("0.0.0.0") || config.host().equals("::") ? "127.0.0.1" : config.host();
    return "http://" + (h.contains(":") ? "[" + h + "]" : h) + ":" + port();
  }

  public Metrics metrics() {
    return metrics;
  }

  public Batcher batcher() {
    return batcher;
  }

  public ServerConfig config() {
    return config;
  }

  /** Blocks until the server stops (Ctrl-C). */
  public void join() throws InterruptedException {
    stopped.await();
  }

  @Override
  public synchronized void close() {
    if (stopped.getCount() == 0) {
      return;
    }
    app.stop();
    batcher.close();
    api.close();
    stopped.countDown();
  }

  /** The page's static files, from the jar. */
  static final class Static {
    private static final Map<String, String> TYPES = Map.of(
        "index.html", "text/html; charset=utf-8",
        "app.js", "text/javascript; charset=utf-8",
        "style.css", "text/css; charset=utf-8");
    private static final Map<String, byte[]> CACHE = new java.util.concurrent.ConcurrentHashMap<>();

    static void serve(Context ctx, String name) {
      byte[] b = CACHE.computeIfAbsent(name, n -> {
        try (InputStream in = BgeVlServer.class.getResourceAsStream("web/" + n)) {
          if (in == null) {
            throw new IllegalStateException("resource web/" + n + " missing from the jar");
          }
          return in.readAllBytes();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
      ctx.header("Content-Security-Policy", "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'");
      ctx.header("Referrer-Policy", "no-referrer");
      ctx.header("Cache-Control", "no-cache");
      ctx.contentType(TYPES.get(name)).result(b);
    }
  }

  static Path tempUploads() {
    try {
      Path p = Files.createTempDirectory("bgevl-uploads");
      p.toFile().deleteOnExit();
      return p;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static List<String> sorted(Set<String> s) {
    return s.stream().sorted().toList();
  }
}
