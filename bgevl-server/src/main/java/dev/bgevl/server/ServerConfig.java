package dev.bgevl.server;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Everything {@link BgeVlServer} can be told; {@link #builder()} starts from the defaults (see
 * docs/SERVER.md). Validated on construction.
 *
 * @param host interface to bind (default 127.0.0.1: this machine only)
 * @param port TCP port; 0 picks a free one
 * @param apiKey when non-null, every API call needs {@code Authorization: Bearer <key>}
 * @param corsOrigins origins allowed to call the API from a browser (empty: CORS off); "*" = any
 * @param allowUrlPrefixes image URLs starting with one of these may be fetched (empty: none)
 * @param maxBodyBytes largest request body (413 beyond)
 * @param maxImageBytes largest encoded image (413 beyond)
 * @param maxImagePixels largest width × height (413 beyond, checked from the header)
 * @param maxInputsPerRequest most inputs in one /v1/embeddings call
 * @param maxK most search results
 * @param requestTimeoutMillis longest a request waits for its embeddings (504 beyond)
 * @param batching the dynamic batching knobs
 * @param uploadDir where images added through the API are stored (null: a temporary folder)
 * @param thumbnailSize longest side of thumbnails, in pixels
 */
public record ServerConfig(String host, int port, String apiKey, List<String> corsOrigins, List<String> allowUrlPrefixes,
                           long maxBodyBytes, long maxImageBytes, long maxImagePixels, int maxInputsPerRequest, int maxK,
                           long requestTimeoutMillis, Batcher.Options batching, Path uploadDir, int thumbnailSize) {
  public ServerConfig {
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("host must not be empty");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be in [0, 65535], got " + port);
    }
    if (apiKey != null && apiKey.isBlank()) {
      throw new IllegalArgumentException("the API key must not be blank");
    }
    corsOrigins = List.copyOf(corsOrigins);
    allowUrlPrefixes = allowUrlPrefixes.stream().map(ServerConfig::checkPrefix).toList();
    if (maxBodyBytes < 1024) {
      throw new IllegalArgumentException("max body must be at least 1024 bytes, got " + maxBodyBytes);
    }
    if (maxImageBytes < 1 || maxImageBytes > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("max image bytes must be in [1, 2^31-9], got " + maxImageBytes);
    }
    if (maxImagePixels < 1) {
      throw new IllegalArgumentException("max image pixels must be positive, got " + maxImagePixels);
    }
    if (maxInputsPerRequest < 1) {
      throw new IllegalArgumentException("max inputs per request must be positive, got " + maxInputsPerRequest);
    }
    if (maxK < 1 || maxK > 10_000) {
      throw new IllegalArgumentException("max k must be in [1, 10000], got " + maxK);
    }
    if (requestTimeoutMillis < 1) {
      throw new IllegalArgumentException("request timeout must be positive, got " + requestTimeoutMillis);
    }
    if (thumbnailSize < 16 || thumbnailSize > 2048) {
      throw new IllegalArgumentException("thumbnail size must be in [16, 2048], got " + thumbnailSize);
    }
  }

  /** An allowlist entry: an absolute http(s) URL with a host; a bare origin gets a trailing '/'. */
  private static String checkPrefix(String p) {
    URI u;
    try {
      u = new URI(p);
    } catch (Exception e) {
      throw new IllegalArgumentException("--allow-url-prefix " + p + ": not a URL");
    }
    String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https") || u.getHost() == null || u.getRawUserInfo() != null) {
      throw new IllegalArgumentException("--allow-url-prefix " + p + ": needs an http:// or https:// URL with a host and no user info");
    }
    String s = u.normalize().toString();
    if (u.getRawPath() == null || u.getRawPath().isEmpty()) {
      s += "/";
    }
    return s;
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    Builder b = new Builder();
    b.host = host;
    b.port = port;
    b.apiKey = apiKey;
    b.corsOrigins = new ArrayList<>(corsOrigins);
    b.allowUrlPrefixes = new ArrayList<>(allowUrlPrefixes);
    b.maxBodyBytes = maxBodyBytes;
    b.maxImageBytes = maxImageBytes;
    b.maxImagePixels = maxImagePixels;
    b.maxInputsPerRequest = maxInputsPerRequest;
    b.maxK = maxK;
    b.requestTimeoutMillis = requestTimeoutMillis;
    b.batching = batching;
    b.uploadDir = uploadDir;
    b.thumbnailSize = thumbnailSize;
    return b;
  }

  /** Defaults: 127.0.0.1:8080, no key, CORS off, no URL fetching, 32 MiB bodies, 20 MiB / 40 MP images. */
  public static final class Builder {
    private String host = "127.0.0.1";
    private int port = 8080;
    private String apiKey;
    private List<String> corsOrigins = new ArrayList<>();
    private List<String> allowUrlPrefixes = new ArrayList<>();
    private long maxBodyBytes = 32L << 20;
    private long maxImageBytes = 20L << 20;
    private long maxImagePixels = 40_000_000L;
    private int maxInputsPerRequest = 256;
    private int maxK = 1000;
    private long requestTimeoutMillis = 30_000;
    private Batcher.Options batching = Batcher.Options.defaults();
    private Path uploadDir;
    private int thumbnailSize = 256;

    public Builder host(String v) { host = v; return this; }
    public Builder port(int v) { port = v; return this; }
    public Builder apiKey(String v) { apiKey = v; return this; }
    public Builder corsOrigins(List<String> v) { corsOrigins = new ArrayList<>(v); return this; }
    public Builder allowUrlPrefixes(List<String> v) { allowUrlPrefixes = new ArrayList<>(v); return this; }
    public Builder maxBodyBytes(long v) { maxBodyBytes = v; return this; }
    public Builder maxImageBytes(long v) { maxImageBytes = v; return this; }
    public Builder maxImagePixels(long v) { maxImagePixels = v; return this; }
    public Builder maxInputsPerRequest(int v) { maxInputsPerRequest = v; return this; }
    public Builder maxK(int v) { maxK = v; return this; }
    public Builder requestTimeoutMillis(long v) { requestTimeoutMillis = v; return this; }
    public Builder batching(Batcher.Options v) { batching = v; return this; }
    public Builder uploadDir(Path v) { uploadDir = v; return this; }
    public Builder thumbnailSize(int v) { thumbnailSize = v; return this; }

    public ServerConfig build() {
      return new ServerConfig(host, port, apiKey, corsOrigins, allowUrlPrefixes, maxBodyBytes, maxImageBytes,
          maxImagePixels, maxInputsPerRequest, maxK, requestTimeoutMillis, batching, uploadDir, thumbnailSize);
    }
  }
}
