package dev.bgevl.server;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bgevl.BgeVlException;
import dev.bgevl.Embedding;
import dev.bgevl.Input;
import io.javalin.http.Context;
import io.javalin.http.UploadedFile;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;

/** The endpoint handlers: request parsing and validation, embedding through the batcher, responses. */
final class Api implements AutoCloseable {
  private static final JsonFactory FACTORY = JsonFactory.builder()
      .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build())
      .build();
  private static final ObjectMapper STRICT = new ObjectMapper(FACTORY)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
  private static final Set<String> EMBEDDING_FIELDS = Set.of("input", "model", "encoding_format", "user", "dimensions");
  private static final Set<String> INPUT_FIELDS = Set.of("text", "image", "role", "instruction");
  private static final Set<String> SEARCH_FIELDS = Set.of("text", "image", "k", "filter", "min_score", "model", "instruction");
  private static final Set<String> DOCUMENT_FIELDS = Set.of("id", "text", "image", "metadata");
  private static final Set<String> RESERVED_METADATA = Set.of("id", "path", "text", "kind", "source", "size", "mtime", "hash", "metadata", "vector");
  private static final Pattern METADATA_KEY = Pattern.compile("[A-Za-z_][A-Za-z0-9_.\\-]{0,127}");

  private final Embedder embedder;
  private final SearchBackend backend;
  private final ServerConfig config;
  private final Metrics metrics;
  private final Batcher batcher;
  private final ImageSource images;
  private final Thumbnails thumbnails;
  private final Path uploadDir;

  Api(Embedder embedder, SearchBackend backend, ServerConfig config, Metrics metrics, Batcher batcher) {
    this.embedder = embedder;
    this.backend = backend;
    this.config = config;
    this.metrics = metrics;
    this.batcher = batcher;
    this.images = new ImageSource(config);
    this.thumbnails = new Thumbnails(config);
    this.uploadDir = config.uploadDir() != null ? config.uploadDir() : BgeVlServer.tempUploads();
  }

  // ---- GET /health, /v1/models ----

  void health(Context ctx) {
    ObjectNode o = BgeVlServer.JSON.createObjectNode();
    o.put("status", "ok");
    o.put("model", embedder.modelId());
    o.put("dim", embedder.dim());
    o.put("instructions", embedder.takesInstructions());
    o.put("queue_depth", batcher.queueDepth());
    ObjectNode idx = o.putObject("index");
    idx.put("backend", backend.describe());
    idx.put("documents", backend.size());
    idx.put("writable", backend.writable());
    o.put("auth", config.apiKey() != null);
    json(ctx, 200, o);
  }

  void models(Context ctx) {
    ObjectNode o = BgeVlServer.JSON.createObjectNode();
    o.put("object", "list");
    ObjectNode m = o.putArray("data").addObject();
    m.put("id", embedder.modelId());
    m.put("object", "model");
    m.put("created", 0);
    m.put("owned_by", "bge-vl-java");
    m.put("dim", embedder.dim());
    json(ctx, 200, o);
  }

  // ---- POST /v1/embeddings ----

  void embeddings(Context ctx) throws IOException {
    long start = ctx.attribute("bgevl.start");
    JsonNode body = readJson(ctx);
    requireObject(body, "the request body");
    checkFields(body, EMBEDDING_FIELDS, "request");
    checkModel(body.get("model"));
    boolean base64 = false;
    JsonNode fmt = body.get("encoding_format");
    if (fmt != null && !fmt.isNull()) {
      if (!fmt.isTextual() || !(fmt.asText().equals("float") || fmt.asText().equals("base64"))) {
        throw ApiException.badRequest("'encoding_format' must be \"float\" or \"base64\", got " + fmt);
      }
      base64 = fmt.asText().equals("base64");
    }
    JsonNode dims = body.get("dimensions");
    if (dims != null && !dims.isNull() && (!dims.canConvertToInt() || !dims.isIntegralNumber() || dims.asInt() != embedder.dim())) {
      throw ApiException.badRequest("'dimensions' must be " + embedder.dim() + " (this model's size; shortening is not supported), got " + dims);
    }
    JsonNode user = body.get("user");
    if (user != null && !user.isNull() && !user.isTextual()) {
      throw ApiException.badRequest("'user' must be a string");
    }
    List<Input> inputs = parseInputs(body.get("input"));
    long tokens = 0;
    for (Input in : inputs) {
      String t = switch (in.content()) {
        case Input.Text x -> x.text();
        case Input.Composed c -> c.text();
        case Input.Image i -> null;
        case Input.Query q -> throw new AssertionError("content() unwraps queries");
      };
      if (t != null) {
        tokens += embedder.tokenCount(t);
      }
    }
    List<Embedding> embs = embed(inputs, start);
    ByteArrayOutputStream out = new ByteArrayOutputStream(inputs.size() * embedder.dim() * (base64 ? 6 : 12) + 256);
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("object", "list");
      g.writeArrayFieldStart("data");
      for (int i = 0; i < embs.size(); i++) {
        g.writeStartObject();
        g.writeStringField("object", "embedding");
        g.writeNumberField("index", i);
        float[] v = embs.get(i).vector();
        if (base64) {
          ByteBuffer bb = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
          bb.asFloatBuffer().put(v);
          g.writeStringField("embedding", Base64.getEncoder().encodeToString(bb.array()));
        } else {
          g.writeFieldName("embedding");
          g.writeStartArray();
          for (float x : v) {
            g.writeNumber(x);
          }
          g.writeEndArray();
        }
        if (embs.get(i).truncated()) {
          g.writeBooleanField("truncated", true);
        }
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeStringField("model", embedder.modelId());
      g.writeObjectFieldStart("usage");
      g.writeNumberField("prompt_tokens", tokens);
      g.writeNumberField("total_tokens", tokens);
      g.writeEndObject();
      g.writeEndObject();
    }
    ctx.status(200).contentType("application/json").result(out.toByteArray());
  }

  private void checkModel(JsonNode model) {
    if (model == null || model.isNull()) {
      return;
    }
    if (!model.isTextual()) {
      throw ApiException.badRequest("'model' must be a string");
    }
    if (!model.asText().equals(embedder.modelId())) {
      throw new ApiException(404, ApiException.NOT_FOUND, "model '" + model.asText() + "' is not served here; this server serves '" + embedder.modelId() + "' (see GET /v1/models)");
    }
  }

  private List<Input> parseInputs(JsonNode input) {
    if (input == null || input.isNull()) {
      throw ApiException.badRequest("'input' is required: a string, a list of strings, or objects {\"text\"}, {\"image\"}, {\"image\", \"text\"}");
    }
    List<Input> out = new ArrayList<>();
    if (input.isTextual()) {
      out.add(Input.text(input.asText()));
      return out;
    }
    if (input.isObject()) {
      out.add(parseInputObject(input, "input", true));
      return out;
    }
    if (!input.isArray()) {
      throw ApiException.badRequest("'input' must be a string, an object or a list, got " + type(input));
    }
    if (input.isEmpty()) {
      throw ApiException.badRequest("'input' is an empty list");
    }
    if (input.size() > config.maxInputsPerRequest()) {
      throw ApiException.tooLarge("'input' has " + input.size() + " items, above the limit of " + config.maxInputsPerRequest() + " per request (--max-inputs)");
    }
    for (int i = 0; i < input.size(); i++) {
      JsonNode item = input.get(i);
      String where = "input[" + i + "]";
      if (item.isTextual()) {
        out.add(Input.text(item.asText()));
      } else if (item.isObject()) {
        out.add(parseInputObject(item, where, true));
      } else if (item.isNumber() || item.isArray()) {
        throw ApiException.badRequest(where + ": token id arrays are not supported; send text, or an object with \"text\" and/or \"image\"");
      } else {
        throw ApiException.badRequest(where + " must be a string or an object with \"text\" and/or \"image\", got " + type(item));
      }
    }
    return out;
  }

  /** An object {@code {"text"}, {"image"} or {"image", "text"}}; {@code strict} refuses other keys. */
  private Input parseInputObject(JsonNode item, String where, boolean strict) {
    if (strict) {
      checkFields(item, INPUT_FIELDS, where);
    }
    JsonNode text = item.get("text");
    JsonNode image = item.get("image");
    boolean hasText = text != null && !text.isNull();
    boolean hasImage = image != null && !image.isNull();
    if (!hasText && !hasImage) {
      throw ApiException.badRequest(where + " needs \"text\", \"image\" or both");
    }
    if (hasText && !text.isTextual()) {
      throw ApiException.badRequest(where + ".text must be a string, got " + type(text));
    }
    if (hasImage && !image.isTextual()) {
      throw ApiException.badRequest(where + ".image must be a string (base64 or a data: URI), got " + type(image));
    }
    Input in;
    if (!hasImage) {
      in = Input.text(text.asText());
    } else {
      Input.Image img = Input.image(images.bytes(image.asText(), where + ".image"), where + ".image");
      in = hasText ? Input.composed(img, text.asText()) : img;
    }
    if (!strict) {
      return in; // a search body: the caller marks it as a query
    }
    String instruction = instruction(item.get("instruction"), where + ".instruction");
    JsonNode role = item.get("role");
    boolean query = instruction != null;
    if (role != null && !role.isNull()) {
      if (!role.isTextual() || !(role.asText().equals("query") || role.asText().equals("candidate"))) {
        throw ApiException.badRequest(where + ".role must be \"query\" or \"candidate\", got " + role);
      }
      if (role.asText().equals("candidate") && instruction != null) {
        throw ApiException.badRequest(where + ": an instruction is for queries, but role is \"candidate\"");
      }
      query = role.asText().equals("query");
    }
    return query ? Input.query(in, instruction) : in;
  }

  /** An optional task instruction: a string, and only for a model that takes one (BGE-VL-MLLM). */
  private String instruction(JsonNode n, String where) {
    if (n == null || n.isNull()) {
      return null;
    }
    if (!n.isTextual()) {
      throw ApiException.badRequest(where + " must be a string, got " + type(n));
    }
    if (!embedder.takesInstructions()) {
      throw ApiException.badRequest(where + ": model '" + embedder.modelId() + "' takes no task instruction (instructions are for BGE-VL-MLLM queries)");
    }
    return n.asText();
  }

  /** Embeds through the batcher, waiting at most until the request's deadline. */
  List<Embedding> embed(List<Input> inputs, long startNanos) {
    metrics.inputs.add(0, "text"); // keep the families visible from the first scrape
    for (Input in : inputs) {
      metrics.inputs.inc(kind(in));
    }
    CompletableFuture<List<Embedding>> f = batcher.submit(inputs);
    long left = startNanos + TimeUnit.MILLISECONDS.toNanos(config.requestTimeoutMillis()) - System.nanoTime();
    try {
      return f.get(Math.max(0, left), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      f.cancel(false);
      metrics.rejected.inc("timeout");
      throw new ApiException(504, ApiException.TIMEOUT, "the request took longer than " + config.requestTimeoutMillis() + " ms (--request-timeout-ms); the server is overloaded or the inputs are too many");
    } catch (InterruptedException e) {
      f.cancel(false);
      Thread.currentThread().interrupt();
      throw new ApiException(503, ApiException.SERVER, "interrupted");
    } catch (CancellationException e) {
      throw new ApiException(503, ApiException.SERVER, "the request was cancelled");
    } catch (ExecutionException e) {
      throw BgeVlServer.toApi(e.getCause());
    }
  }

  // ---- POST /v1/search ----

  private record Query(Input input, int k, String filter, float minScore) {}

  void search(Context ctx) throws IOException {
    long start = ctx.attribute("bgevl.start");
    Query q = ctx.isMultipartFormData() ? searchFromForm(ctx) : searchFromJson(readJson(ctx));
    float[] vec = embed(List.of(q.input()), start).get(0).vector();
    long t0 = System.nanoTime();
    List<SearchBackend.Hit> hits = backend.search(vec, q.k(), q.filter(), q.minScore());
    ObjectNode o = BgeVlServer.JSON.createObjectNode();
    o.put("object", "list");
    o.put("model", embedder.modelId());
    o.put("query_kind", kind(q.input()));
    ArrayNode data = o.putArray("data");
    for (SearchBackend.Hit h : hits) {
      ObjectNode r = data.addObject();
      r.put("id", h.id());
      r.put("score", h.score());
      r.put("kind", h.kind());
      if (h.path() != null) {
        r.put("path", h.path());
        r.put("thumbnail", "/v1/thumbnail?id=" + java.net.URLEncoder.encode(h.id(), StandardCharsets.UTF_8));
      }
      if (h.text() != null) {
        r.put("text", h.text());
      }
      r.set("metadata", h.metadataJson() == null ? BgeVlServer.JSON.createObjectNode() : BgeVlServer.JSON.readTree(h.metadataJson()));
    }
    o.put("search_ms", (System.nanoTime() - t0) / 1e6);
    json(ctx, 200, o);
  }

  private Query searchFromJson(JsonNode body) {
    requireObject(body, "the request body");
    checkFields(body, SEARCH_FIELDS, "request");
    checkModel(body.get("model"));
    Input in = Input.query(parseInputObject(body, "query", false), instruction(body.get("instruction"), "'instruction'"));
    int k = 10;
    JsonNode kn = body.get("k");
    if (kn != null && !kn.isNull()) {
      if (!kn.isIntegralNumber() || !kn.canConvertToInt()) {
        throw ApiException.badRequest("'k' must be an integer, got " + kn);
      }
      k = checkK(kn.asInt());
    }
    String filter = null;
    JsonNode fn = body.get("filter");
    if (fn != null && !fn.isNull()) {
      if (!fn.isTextual()) {
        throw ApiException.badRequest("'filter' must be a string such as \"color = 'red' AND year > 2000\", got " + type(fn));
      }
      filter = fn.asText().isBlank() ? null : fn.asText();
    }
    float min = Float.NEGATIVE_INFINITY;
    JsonNode mn = body.get("min_score");
    if (mn != null && !mn.isNull()) {
      if (!mn.isNumber()) {
        throw ApiException.badRequest("'min_score' must be a number, got " + type(mn));
      }
      min = (float) mn.asDouble();
    }
    return new Query(in, k, filter, min);
  }

  private Query searchFromForm(Context ctx) {
    Form form = Form.read(ctx, Set.of("text", "k", "filter", "min_score", "image", "instruction"), config);
    String text = form.field("text");
    byte[] img = form.file("image", images);
    if ((text == null || text.isEmpty()) && img == null) {
      throw ApiException.badRequest("the query needs a \"text\" field, an \"image\" file or both");
    }
    Input in;
    if (img == null) {
      in = Input.text(text);
    } else {
      Input.Image image = Input.image(img, "image " + form.fileName("image"));
      in = text == null || text.isEmpty() ? image : Input.composed(image, text);
    }
    String inst = form.field("instruction");
    in = Input.query(in, inst == null || inst.isEmpty() ? null
        : instruction(BgeVlServer.JSON.getNodeFactory().textNode(inst), "'instruction'"));
    int k = 10;
    String ks = form.field("k");
    if (ks != null && !ks.isBlank()) {
      try {
        k = checkK(Integer.parseInt(ks.strip()));
      } catch (NumberFormatException e) {
        throw ApiException.badRequest("'k' must be an integer, got '" + ks + "'");
      }
    }
    float min = Float.NEGATIVE_INFINITY;
    String ms = form.field("min_score");
    if (ms != null && !ms.isBlank()) {
      try {
        min = Float.parseFloat(ms.strip());
      } catch (NumberFormatException e) {
        throw ApiException.badRequest("'min_score' must be a number, got '" + ms + "'");
      }
    }
    String filter = form.field("filter");
    return new Query(in, k, filter == null || filter.isBlank() ? null : filter, min);
  }

  private int checkK(int k) {
    if (k < 1 || k > config.maxK()) {
      throw ApiException.badRequest("'k' must be between 1 and " + config.maxK() + ", got " + k);
    }
    return k;
  }

  // ---- POST /v1/documents, DELETE /v1/documents/{id} ----

  void addDocument(Context ctx) throws IOException {
    long start = ctx.attribute("bgevl.start");
    if (!backend.writable()) {
      throw new ApiException(403, ApiException.PERMISSION, "the index is read-only (started with --read-only)");
    }
    String id;
    String text;
    byte[] image;
    String imageName;
    Map<String, Object> metadata;
    if (ctx.isMultipartFormData()) {
      Form form = Form.read(ctx, Set.of("id", "text", "metadata", "image"), config);
      id = form.field("id");
      text = form.field("text");
      image = form.file("image", images);
      imageName = image == null ? null : "image " + form.fileName("image");
      String m = form.field("metadata");
      metadata = m == null || m.isBlank() ? Map.of() : metadata(parse(m.getBytes(StandardCharsets.UTF_8), "'metadata'"));
    } else {
      JsonNode body = readJson(ctx);
      requireObject(body, "the request body");
      checkFields(body, DOCUMENT_FIELDS, "document");
      JsonNode idn = body.get("id");
      if (idn != null && !idn.isNull() && !idn.isTextual()) {
        throw ApiException.badRequest("'id' must be a string, got " + type(idn));
      }
      id = idn == null || idn.isNull() ? null : idn.asText();
      JsonNode tn = body.get("text");
      if (tn != null && !tn.isNull() && !tn.isTextual()) {
        throw ApiException.badRequest("'text' must be a string, got " + type(tn));
      }
      text = tn == null || tn.isNull() ? null : tn.asText();
      JsonNode in = body.get("image");
      if (in != null && !in.isNull() && !in.isTextual()) {
        throw ApiException.badRequest("'image' must be a string (base64 or a data: URI), got " + type(in));
      }
      image = in == null || in.isNull() ? null : images.bytes(in.asText(), "image");
      imageName = "image";
      JsonNode mn = body.get("metadata");
      metadata = mn == null || mn.isNull() ? Map.of() : metadata(mn);
    }
    if (text != null && text.isEmpty()) {
      text = null;
    }
    if (text == null && image == null) {
      throw ApiException.badRequest("a document needs \"text\", \"image\" or both");
    }
    if (id != null) {
      id = id.strip();
      if (id.isEmpty() || id.length() > 1024 || id.chars().anyMatch(Character::isISOControl)) {
        throw ApiException.badRequest("'id' must be 1 to 1024 characters without control characters");
      }
    }
    String hash = sha256(image, text);
    if (id == null) {
      id = (image == null ? "text-" : "upload-") + hash.substring(0, 20);
    }
    Input input = image == null ? Input.text(text)
        : text == null ? Input.image(image, imageName) : Input.composed(Input.image(image, imageName), text);
    Embedding e = embed(List.of(input), start).get(0);
    // stored after embedding succeeded, named by content hash (re-adding the same image reuses the file)
    Path stored = image == null ? null : store(image, sha256(image, null));
    String kind = kind(input);
    backend.add(new SearchBackend.Doc(id, stored == null ? null : stored.toString(), text, kind, metadata, e.vector()));
    ObjectNode o = BgeVlServer.JSON.createObjectNode();
    o.put("object", "document");
    o.put("id", id);
    o.put("kind", kind);
    if (stored != null) {
      o.put("path", stored.toString());
      o.put("thumbnail", "/v1/thumbnail?id=" + java.net.URLEncoder.encode(id, StandardCharsets.UTF_8));
    }
    o.put("documents", backend.size());
    json(ctx, 201, o);
  }

  void deleteDocument(Context ctx) {
    if (!backend.writable()) {
      throw new ApiException(403, ApiException.PERMISSION, "the index is read-only (started with --read-only)");
    }
    String id = ctx.pathParam("id"); // already percent-decoded by Javalin
    if (!backend.delete(id)) {
      throw ApiException.notFound("no document with id '" + id + "'");
    }
    ObjectNode o = BgeVlServer.JSON.createObjectNode();
    o.put("object", "document.deleted");
    o.put("id", id);
    o.put("deleted", true);
    json(ctx, 200, o);
  }

  // ---- GET /v1/thumbnail?id= ----

  void thumbnail(Context ctx) {
    String id = ctx.queryParam("id");
    if (id == null || id.isEmpty()) {
      throw ApiException.badRequest("query parameter 'id' is required");
    }
    String path = backend.pathOf(id).orElseThrow(() -> ApiException.notFound("no document with an image has id '" + id + "'"));
    byte[] jpeg = thumbnails.get(Path.of(path));
    ctx.header("Cache-Control", "private, max-age=300");
    ctx.contentType("image/jpeg").result(jpeg);
  }

  // ---- helpers ----

  private Path store(byte[] image, String hash) throws IOException {
    Files.createDirectories(uploadDir);
    Path target = uploadDir.resolve(hash + extension(image)).toAbsolutePath();
    if (!Files.exists(target)) {
      Path tmp = Files.createTempFile(uploadDir, ".upload", ".tmp");
      Files.write(tmp, image);
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
    return target;
  }

  static String extension(byte[] b) {
    if (b.length >= 8 && (b[0] & 0xff) == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G') {
      return ".png";
    }
    if (b.length >= 3 && (b[0] & 0xff) == 0xFF && (b[1] & 0xff) == 0xD8) {
      return ".jpg";
    }
    if (b.length >= 4 && b[0] == 'G' && b[1] == 'I' && b[2] == 'F') {
      return ".gif";
    }
    if (b.length >= 2 && b[0] == 'B' && b[1] == 'M') {
      return ".bmp";
    }
    if (b.length >= 12 && b[0] == 'R' && b[1] == 'I' && b[2] == 'F' && b[3] == 'F' && b[8] == 'W' && b[9] == 'E' && b[10] == 'B' && b[11] == 'P') {
      return ".webp";
    }
    if (b.length >= 4 && ((b[0] == 'I' && b[1] == 'I') || (b[0] == 'M' && b[1] == 'M'))) {
      return ".tif";
    }
    return ".img";
  }

  private static String sha256(byte[] image, String text) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      if (image != null) {
        md.update(image);
      }
      md.update((byte) 0);
      if (text != null) {
        md.update(text.getBytes(StandardCharsets.UTF_8));
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Map<String, Object> metadata(JsonNode m) {
    if (!m.isObject()) {
      throw ApiException.badRequest("'metadata' must be an object of strings, numbers, booleans or lists of those, got " + type(m));
    }
    Map<String, Object> out = new LinkedHashMap<>();
    for (var it = m.fields(); it.hasNext(); ) {
      var e = it.next();
      String key = e.getKey();
      if (!METADATA_KEY.matcher(key).matches()) {
        throw ApiException.badRequest("metadata key '" + key + "' must start with a letter or _ and hold only letters, digits, _ . - (at most 128)");
      }
      if (RESERVED_METADATA.contains(key)) {
        throw ApiException.badRequest("metadata key '" + key + "' is reserved (built-in field); choose another name");
      }
      out.put(key, scalarOrList(e.getValue(), "metadata." + key, true));
    }
    return out;
  }

  private static Object scalarOrList(JsonNode v, String where, boolean allowList) {
    if (v.isTextual()) {
      return v.asText();
    }
    if (v.isBoolean()) {
      return v.asBoolean();
    }
    if (v.isIntegralNumber() && v.canConvertToLong()) {
      return v.asLong();
    }
    if (v.isNumber()) {
      return v.asDouble();
    }
    if (v.isArray() && allowList) {
      List<Object> l = new ArrayList<>();
      for (JsonNode x : v) {
        l.add(scalarOrList(x, where + "[]", false));
      }
      return l;
    }
    throw ApiException.badRequest(where + " must be a string, number, boolean" + (allowList ? " or a list of those" : "") + ", got " + type(v));
  }

  private static String kind(Input in) {
    return switch (in.content()) {
      case Input.Text t -> "text";
      case Input.Image i -> "image";
      case Input.Composed c -> "composed";
      case Input.Query q -> throw new AssertionError("content() unwraps queries");
    };
  }

  private JsonNode readJson(Context ctx) {
    String ct = ctx.contentType();
    if (ct != null && !ct.toLowerCase(Locale.ROOT).startsWith("application/json")) {
      throw new ApiException(415, ApiException.INVALID_REQUEST, "send the body as application/json (got Content-Type " + ct + ")");
    }
    return parse(readBody(ctx), "the request body");
  }

  private static JsonNode parse(byte[] body, String what) {
    if (body.length == 0) {
      throw ApiException.badRequest(what + " is empty; send a JSON object");
    }
    try {
      return STRICT.readTree(body);
    } catch (JsonProcessingException e) {
      String m = e.getOriginalMessage().lines().findFirst().orElse("");
      var loc = e.getLocation();
      throw ApiException.badRequest(what + " is not valid JSON" + (loc == null ? "" : " (line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ")") + ": " + m);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The body, refusing (413) more than the limit, whether or not Content-Length was sent. */
  private byte[] readBody(Context ctx) {
    long declared = ctx.req().getContentLengthLong();
    if (declared > config.maxBodyBytes()) {
      throw ApiException.tooLarge("the request body is " + declared + " bytes, above the limit of " + config.maxBodyBytes() + " (--max-body-bytes)");
    }
    try (InputStream in = ctx.req().getInputStream()) {
      byte[] b = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, config.maxBodyBytes() + 1));
      if (b.length > config.maxBodyBytes()) {
        throw ApiException.tooLarge("the request body is larger than the limit of " + config.maxBodyBytes() + " bytes (--max-body-bytes)");
      }
      return b;
    } catch (IOException e) {
      throw ApiException.badRequest("could not read the request body (" + e.getMessage() + ")");
    }
  }

  private static void requireObject(JsonNode n, String what) {
    if (n == null || !n.isObject()) {
      throw ApiException.badRequest(what + " must be a JSON object, got " + type(n));
    }
  }

  private static void checkFields(JsonNode obj, Set<String> allowed, String where) {
    for (var it = obj.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!allowed.contains(f)) {
        throw ApiException.badRequest(where + ": unknown field '" + f + "' (allowed: " + String.join(", ", BgeVlServer.sorted(allowed)) + ")");
      }
    }
  }

  static String type(JsonNode n) {
    if (n == null || n.isMissingNode()) {
      return "nothing";
    }
    return switch (n.getNodeType()) {
      case ARRAY -> "a list";
      case OBJECT -> "an object";
      case STRING -> "a string";
      case NUMBER -> "a number";
      case BOOLEAN -> "a boolean";
      case NULL -> "null";
      default -> n.getNodeType().toString().toLowerCase(Locale.ROOT);
    };
  }

  private static void json(Context ctx, int status, JsonNode o) {
    ctx.status(status).contentType("application/json").result(o.toString());
  }

  @Override
  public void close() {}

  /** A parsed multipart/form-data body: text fields and at most one file per name. */
  static final class Form {
    private final Map<String, String> fields;
    private final Map<String, UploadedFile> files;

    private Form(Map<String, String> fields, Map<String, UploadedFile> files) {
      this.fields = fields;
      this.files = files;
    }

    static Form read(Context ctx, Set<String> allowed, ServerConfig config) {
      long declared = ctx.req().getContentLengthLong();
      if (declared < 0) {
        throw new ApiException(411, ApiException.INVALID_REQUEST, "multipart bodies need a Content-Length header");
      }
      if (declared > config.maxBodyBytes()) {
        throw ApiException.tooLarge("the request body is " + declared + " bytes, above the limit of " + config.maxBodyBytes() + " (--max-body-bytes)");
      }
      Map<String, List<String>> params;
      Map<String, List<UploadedFile>> uploads;
      try {
        uploads = ctx.uploadedFileMap();
        params = ctx.formParamMap();
      } catch (RuntimeException e) {
        String m = String.valueOf(e.getMessage()) + (e.getCause() == null ? "" : " " + e.getCause().getMessage());
        if (m.toLowerCase(Locale.ROOT).contains("size") || m.toLowerCase(Locale.ROOT).contains("exceed")) {
          throw ApiException.tooLarge("a multipart part is larger than the limit (--max-image-bytes " + config.maxImageBytes() + ", --max-body-bytes " + config.maxBodyBytes() + ")");
        }
        throw ApiException.badRequest("malformed multipart/form-data body (" + m.lines().findFirst().orElse("") + ")");
      }
      Map<String, String> fields = new LinkedHashMap<>();
      for (var e : params.entrySet()) {
        if (uploads.containsKey(e.getKey())) {
          continue;
        }
        if (!allowed.contains(e.getKey())) {
          throw ApiException.badRequest("unknown form field '" + e.getKey() + "' (allowed: " + String.join(", ", BgeVlServer.sorted(allowed)) + ")");
        }
        if (e.getValue().size() > 1) {
          throw ApiException.badRequest("form field '" + e.getKey() + "' is given " + e.getValue().size() + " times");
        }
        fields.put(e.getKey(), e.getValue().get(0));
      }
      Map<String, UploadedFile> files = new LinkedHashMap<>();
      for (var e : uploads.entrySet()) {
        if (!allowed.contains(e.getKey())) {
          throw ApiException.badRequest("unknown form file '" + e.getKey() + "' (allowed: " + String.join(", ", BgeVlServer.sorted(allowed)) + ")");
        }
        if (e.getValue().size() > 1) {
          throw ApiException.badRequest("form file '" + e.getKey() + "' is given " + e.getValue().size() + " times");
        }
        files.put(e.getKey(), e.getValue().get(0));
      }
      return new Form(fields, files);
    }

    String field(String name) {
      return fields.get(name);
    }

    String fileName(String name) {
      UploadedFile f = files.get(name);
      return f == null || f.filename() == null ? name : f.filename();
    }

    /** The file's bytes (null when absent or empty and unnamed), checked against the image limits. */
    byte[] file(String name, ImageSource images) {
      UploadedFile f = files.get(name);
      if (f == null || (f.size() == 0 && (f.filename() == null || f.filename().isEmpty()))) {
        return null; // browsers send an empty part for an empty <input type=file>
      }
      try (InputStream in = f.content()) {
        return images.checked(in.readAllBytes(), "image " + fileName(name));
      } catch (IOException e) {
        throw ApiException.badRequest("could not read the uploaded file '" + fileName(name) + "' (" + e.getMessage() + ")");
      }
    }
  }
}
