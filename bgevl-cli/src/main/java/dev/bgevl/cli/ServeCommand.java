package dev.bgevl.cli;

import dev.bgevl.BgeVl;
import dev.bgevl.BgeVlException;
import dev.bgevl.EmbeddingModel;
import dev.bgevl.image.ImageLimits;
import dev.bgevl.server.Batcher;
import dev.bgevl.server.BgeVlServer;
import dev.bgevl.server.Embedder;
import dev.bgevl.server.InMemorySearchBackend;
import dev.bgevl.server.LuceneSearchBackend;
import dev.bgevl.server.SearchBackend;
import dev.bgevl.server.ServerConfig;
import dev.bgevl.search.IndexFormat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code bgevl serve}: the HTTP API and the search page. */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = {
        "Serve an OpenAI-compatible embeddings API, search over an index, and a search web page at /.",
        "Requests arriving together are merged into model batches (--max-batch, --max-wait-ms).",
        "Listens on 127.0.0.1 only unless --host says otherwise; see docs/SERVER.md."},
    footer = {"", "Examples:",
        "  bgevl serve --model BGE-VL-base --index photos.idx",
        "  BGEVL_API_KEY=secret bgevl serve --model BGE-VL-base --host 0.0.0.0 --port 9000"})
final class ServeCommand implements Callable<Integer> {
  @Option(names = "--model", paramLabel = "MODEL",
      description = "Model folder (Hugging Face layout) or hub repo id (default with an existing --index: the model it was built with).")
  String model;

  @Option(names = "--index", paramLabel = "DIR",
      description = "Index folder searched by /v1/search and changed by /v1/documents (created when missing). Without it the index lives in memory and is lost on exit.")
  Path index;

  @Option(names = "--read-only", description = "Refuse /v1/documents changes (403); the index may then be written by 'bgevl index' at the same time.")
  boolean readOnly;

  @Option(names = "--host", defaultValue = "127.0.0.1", paramLabel = "ADDR",
      description = "Interface to listen on (default: ${DEFAULT-VALUE}, this machine only; 0.0.0.0 for all).")
  String host;

  @Option(names = "--port", defaultValue = "8080", paramLabel = "N", description = "TCP port (default: ${DEFAULT-VALUE}; 0 picks a free one).")
  int port;

  @Option(names = "--api-key", paramLabel = "KEY",
      description = "Require 'Authorization: Bearer KEY' on /v1/* and /metrics. Default: the BGEVL_API_KEY environment variable, else no key.")
  String apiKey;

  @Option(names = "--cors-origin", paramLabel = "ORIGIN",
      description = "Allow browser calls from this origin (repeatable; '*' for any). Default: CORS off.")
  List<String> corsOrigins = new ArrayList<>();

  @Option(names = "--allow-url-prefix", paramLabel = "URL",
      description = "Fetch image URLs that start with this prefix (repeatable). Default: URLs are refused (SSRF protection).")
  List<String> allowUrlPrefixes = new ArrayList<>();

  @Option(names = "--max-batch", defaultValue = "32", paramLabel = "N", description = "Most inputs per model call (default: ${DEFAULT-VALUE}).")
  int maxBatch;

  @Option(names = "--max-wait-ms", defaultValue = "5", paramLabel = "MS",
      description = "Longest a request waits for others to join its batch (default: ${DEFAULT-VALUE}).")
  long maxWaitMs;

  @Option(names = "--queue-size", defaultValue = "1024", paramLabel = "N",
      description = "Most inputs waiting for the model; beyond it requests get 429 with Retry-After (default: ${DEFAULT-VALUE}).")
  int queueSize;

  @Option(names = "--batch-workers", defaultValue = "1", paramLabel = "N",
      description = "Threads running model calls; the kernels already use every core (default: ${DEFAULT-VALUE}).")
  int batchWorkers;

  @Option(names = "--request-timeout-ms", defaultValue = "30000", paramLabel = "MS",
      description = "Longest a request waits for its embeddings; beyond it 504 (default: ${DEFAULT-VALUE}).")
  long requestTimeoutMs;

  @Option(names = "--max-body-bytes", defaultValue = "33554432", paramLabel = "N", description = "Largest request body; beyond it 413 (default: ${DEFAULT-VALUE}).")
  long maxBodyBytes;

  @Option(names = "--max-image-bytes", defaultValue = "20971520", paramLabel = "N", description = "Largest encoded image; beyond it 413 (default: ${DEFAULT-VALUE}).")
  long maxImageBytes;

  @Option(names = "--max-image-pixels", defaultValue = "40000000", paramLabel = "N",
      description = "Largest width x height, read from the header before decoding; beyond it 413 (default: ${DEFAULT-VALUE}).")
  long maxImagePixels;

  @Option(names = "--max-inputs", defaultValue = "256", paramLabel = "N", description = "Most inputs in one /v1/embeddings request (default: ${DEFAULT-VALUE}).")
  int maxInputs;

  @Option(names = "--upload-dir", paramLabel = "DIR",
      description = "Where images added through /v1/documents are stored (default: DIR/uploads next to --index, else a temporary folder).")
  Path uploadDir;

  @Option(names = "--no-truncate", description = "Refuse texts longer than the model's 77 tokens (400) instead of truncating them.")
  boolean noTruncate;

  private String recordedModel;

  /** The server the last {@code serve} started in this JVM (tests stop it through this). */
  static final java.util.concurrent.atomic.AtomicReference<BgeVlServer> RUNNING = new java.util.concurrent.atomic.AtomicReference<>();

  @Override
  public Integer call() throws Exception {
    String key = apiKey != null ? apiKey : System.getenv("BGEVL_API_KEY");
    if (key != null && key.isBlank()) {
      key = null;
    }
    ServerConfig config;
    try {
      config = ServerConfig.builder().host(host).port(port).apiKey(key).corsOrigins(corsOrigins).allowUrlPrefixes(allowUrlPrefixes)
          .maxBodyBytes(maxBodyBytes).maxImageBytes(maxImageBytes).maxImagePixels(maxImagePixels).maxInputsPerRequest(maxInputs)
          .requestTimeoutMillis(requestTimeoutMs).batching(new Batcher.Options(maxBatch, maxWaitMs, queueSize, batchWorkers))
          .uploadDir(uploadDir != null ? uploadDir : index != null ? index.resolve("uploads") : null)
          .build();
    } catch (IllegalArgumentException e) {
      throw new BgeVlException(e.getMessage());
    }
    String spec = model;
    if (spec == null) {
      if (index == null || !Files.exists(index.resolve(IndexFormat.META_FILE))) {
        throw new BgeVlException("--model is required" + (index == null ? "" : " (no index at " + index + " yet)"));
      }
      spec = IndexFormat.readMeta(index).model();
    }
    Path modelDir = ModelLocator.resolve(spec);
    recordedModel = Files.isDirectory(Path.of(spec)) ? modelDir.toAbsolutePath().normalize().toString() : spec;
    LuceneLogging.quiet();
    BgeVl.Options opts = BgeVl.Options.defaults()
        .withTextOverflow(noTruncate ? BgeVl.TextOverflow.ERROR : BgeVl.TextOverflow.TRUNCATE)
        .withImageLimits(ImageLimits.defaults().withMaxPixels(maxImagePixels).withMaxFileBytes(maxImageBytes))
        .withMaxBatch(Math.min(maxBatch, 32));
    try (EmbeddingModel bgevl = EmbeddingModel.load(modelDir, opts);
         SearchBackend backend = openIndex(bgevl);
         BgeVlServer server = BgeVlServer.start(Embedder.of(bgevl), backend, config)) {
      System.err.println("bgevl: serving " + bgevl.modelId() + " (" + bgevl.family().label() + ", " + bgevl.dim() + "-d) on " + server.url()
          + " with index " + backend.describe() + (key != null ? ", API key required" : ""));
      if (key == null && !isLoopback(host)) {
        System.err.println("warning: listening on " + host + " without an API key: anyone who can reach this port can use and change the index (set --api-key or BGEVL_API_KEY)");
      }
      Thread hook = new Thread(() -> {
        server.close(); // stop taking requests, then let the index close cleanly
        backend.close();
      }, "bgevl-shutdown");
      Runtime.getRuntime().addShutdownHook(hook);
      RUNNING.set(server);
      server.join();
      RUNNING.compareAndSet(server, null);
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the hook is what stopped us
      }
    }
    return 0;
  }

  private SearchBackend openIndex(EmbeddingModel bgevl) {
    if (index == null) {
      if (readOnly) {
        throw new BgeVlException("--read-only needs --index DIR");
      }
      return new InMemorySearchBackend(bgevl.dim());
    }
    return LuceneSearchBackend.open(index, recordedModel, bgevl.modelId(), bgevl.dim(), readOnly);
  }

  private static boolean isLoopback(String h) {
    return h.equals("127.0.0.1") || h.equals("localhost") || h.equals("::1") || h.startsWith("127.");
  }
}
