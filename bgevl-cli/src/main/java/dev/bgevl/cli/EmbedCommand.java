package dev.bgevl.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bgevl.BgeVl;
import dev.bgevl.BgeVlException;
import dev.bgevl.Embedding;
import dev.bgevl.Input;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code bgevl embed}: embeddings for images, texts and composed image + text inputs. */
@Command(name = "embed", mixinStandardHelpOptions = true,
    description = {
        "Embed images, texts and composed (image + text) inputs.",
        "",
        "JSONL input: one object per line with \"image\" (a path, relative to the working directory),",
        "\"text\", or both (composed: normalize(text_features + image_features)), and an optional \"id\".",
        "Output: one line {\"id\": ..., \"embedding\": [...]} per input, in input order; id echoes the",
        "input's id or, when absent, its 0-based line number. Embeddings are L2-normalized."},
    footer = {"", "Examples:",
        "  bgevl embed --model BGE-VL-base --input queries.jsonl --output embeddings.jsonl",
        "  bgevl embed --model BGE-VL-base --image cat.jpg --text \"make it a dog\""})
final class EmbedCommand implements Callable<Integer> {
  @Option(names = "--model", required = true, paramLabel = "MODEL",
      description = "Model folder (Hugging Face layout) or hub repo id.")
  String model;

  @Option(names = "--input", paramLabel = "FILE.jsonl", description = "JSONL inputs (see above); '-' reads standard input.")
  String input;

  @Option(names = "--output", paramLabel = "FILE.jsonl",
      description = "Where to write the embeddings (default: standard output). Written to a temporary file and moved into place when complete.")
  Path output;

  @Option(names = "--image", paramLabel = "PATH", description = "Embed this image (with --text: a composed input); prints one line.")
  Path image;

  @Option(names = "--text", paramLabel = "TEXT", description = "Embed this text (with --image: a composed input); prints one line.")
  String text;

  @Option(names = "--batch-size", paramLabel = "N", defaultValue = "8",
      description = "Inputs embedded together (default: ${DEFAULT-VALUE}, at most 1024).")
  int batchSize;

  @Option(names = "--role", paramLabel = "query|candidate",
      description = "BGE-VL-MLLM only: the prompt for inputs without a \"role\" field (default: query when an instruction is given, else candidate).")
  String role;

  @Option(names = "--instruction", paramLabel = "TEXT",
      description = "BGE-VL-MLLM only: the task instruction for queries without an \"instruction\" field.")
  String instruction;

  @Option(names = "--no-truncate",
      description = "Fail on texts longer than the model's 77 tokens instead of truncating them (default: truncate with a warning).")
  boolean noTruncate;

  private static final ObjectMapper JSON = new ObjectMapper();

  @Override
  public Integer call() throws Exception {
    if (batchSize < 1 || batchSize > 1024) {
      throw new BgeVlException("--batch-size must be between 1 and 1024, got " + batchSize);
    }
    boolean shortcut = image != null || text != null;
    if (shortcut == (input != null)) {
      throw new BgeVlException("give either --input FILE.jsonl or --image/--text");
    }
    if (image != null && !Files.exists(image)) {
      throw new BgeVlException(image + ": file not found");
    }
    Path dir = ModelLocator.resolve(model);
    if (ModelLocator.isMllm(dir)) {
      return MllmEmbed.run(this, dir);
    }
    BgeVl.Options opts = BgeVl.Options.defaults()
        .withTextOverflow(noTruncate ? BgeVl.TextOverflow.ERROR : BgeVl.TextOverflow.TRUNCATE)
        .withMaxBatch(Math.min(batchSize, 32));
    try (BgeVl bgevl = BgeVl.load(dir, opts)) {
      if (shortcut) {
        Input in = image == null ? Input.text(text)
            : text == null ? Input.image(image) : Input.composed(Input.image(image), text);
        Embedding e = bgevl.embed(in);
        warnIfTruncated(e, in.describe());
        PrintStream out = System.out;
        writeLine(out, null, e);
        out.flush();
        return 0;
      }
      writeOutput(output, out -> run(bgevl, out));
    }
    return 0;
  }

  /** Writes the embedding lines to standard output, or to a file. */
  interface Body {
    void write(PrintStream out) throws IOException;
  }

  /**
   * Runs {@code body} against standard output, or against {@code output + ".partial"} moved into
   * place only when complete, so a failed run never leaves a half-written file.
   */
  static void writeOutput(Path output, Body body) throws IOException {
    if (output == null) {
      body.write(System.out);
      System.out.flush();
      return;
    }
    Path abs = output.toAbsolutePath();
    Path tmp = abs.resolveSibling(abs.getFileName() + ".partial");
    try (OutputStream os = Files.newOutputStream(tmp);
        PrintStream out = new PrintStream(new java.io.BufferedOutputStream(os, 1 << 16), false, StandardCharsets.UTF_8)) {
      body.write(out);
      out.flush();
      if (out.checkError()) {
        throw new BgeVlException(output + ": write failed");
      }
    } catch (RuntimeException | IOException e) {
      Files.deleteIfExists(tmp);
      throw e;
    }
    Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** One parsed input line. */
  private record Item(JsonNode id, Input input, String where) {}

  private void run(BgeVl bgevl, PrintStream out) throws IOException {
    BufferedReader reader;
    String name = input;
    if (input.equals("-")) {
      reader = new BufferedReader(new java.io.InputStreamReader(System.in, StandardCharsets.UTF_8));
      name = "<stdin>";
    } else {
      try {
        reader = Files.newBufferedReader(Path.of(input), StandardCharsets.UTF_8);
      } catch (NoSuchFileException e) {
        throw new BgeVlException(input + ": file not found");
      }
    }
    long total = 0;
    try (reader) {
      List<Item> batch = new ArrayList<>();
      String line;
      long lineNo = 0;
      while ((line = reader.readLine()) != null) {
        long n = lineNo++;
        if (line.isBlank()) {
          continue;
        }
        batch.add(parse(line, n, name));
        if (batch.size() == batchSize) {
          total += flush(bgevl, batch, out);
        }
      }
      total += flush(bgevl, batch, out);
    }
    if (total == 0) {
      System.err.println("warning: " + name + " holds no inputs");
    }
  }

  private long flush(BgeVl bgevl, List<Item> batch, PrintStream out) throws IOException {
    if (batch.isEmpty()) {
      return 0;
    }
    List<Input> inputs = batch.stream().map(Item::input).toList();
    List<Embedding> embs;
    try {
      embs = bgevl.embedBatch(inputs);
    } catch (BgeVlException e) {
      // name the line: embed the batch one by one to find which input failed
      for (Item it : batch) {
        try {
          bgevl.embed(it.input());
        } catch (BgeVlException one) {
          throw new BgeVlException(it.where() + ": " + one.getMessage());
        }
      }
      throw e;
    }
    for (int i = 0; i < batch.size(); i++) {
      warnIfTruncated(embs.get(i), batch.get(i).where());
      writeLine(out, batch.get(i).id(), embs.get(i));
    }
    int n = batch.size();
    batch.clear();
    return n;
  }

  /** One JSONL line as an object, or a one-line error naming {@code where} (FILE:LINE). */
  static JsonNode readObject(String line, String where, String expected) {
    JsonNode node;
    try {
      node = JSON.readTree(line);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new BgeVlException(where + ": invalid JSON (" + e.getOriginalMessage().lines().findFirst().orElse("") + ")");
    }
    if (node == null || !node.isObject()) {
      throw new BgeVlException(where + ": expected a JSON object with " + expected);
    }
    return node;
  }

  private static Item parse(String line, long lineNo, String file) {
    String where = file + ":" + (lineNo + 1);
    JsonNode node = readObject(line, where, "\"image\" and/or \"text\"");
    JsonNode img = node.get("image");
    JsonNode txt = node.get("text");
    if ((img == null || img.isNull()) && (txt == null || txt.isNull())) {
      throw new BgeVlException(where + ": needs \"image\", \"text\" or both");
    }
    if (img != null && !img.isNull() && !img.isTextual()) {
      throw new BgeVlException(where + ": \"image\" must be a path string, got " + img.getNodeType().toString().toLowerCase());
    }
    if (txt != null && !txt.isNull() && !txt.isTextual()) {
      throw new BgeVlException(where + ": \"text\" must be a string, got " + txt.getNodeType().toString().toLowerCase());
    }
    JsonNode id = node.has("id") ? node.get("id") : JSON.getNodeFactory().numberNode(lineNo);
    Input in;
    if (img == null || img.isNull()) {
      in = Input.text(txt.asText());
    } else {
      Path p = Path.of(img.asText());
      if (!Files.isRegularFile(p)) {
        throw new BgeVlException(where + ": image " + p + ": file not found");
      }
      in = txt == null || txt.isNull() ? Input.image(p) : Input.composed(Input.image(p), txt.asText());
    }
    return new Item(id, in, where);
  }

  private static void warnIfTruncated(Embedding e, String where) {
    if (e.truncated()) {
      System.err.println("warning: " + where + ": text longer than the model's 77 tokens, truncated (use --no-truncate to refuse)");
    }
  }

  private static final JsonFactory FACTORY = new JsonFactory();

  static void writeLine(PrintStream out, JsonNode id, Embedding e) throws IOException {
    java.io.StringWriter sw = new java.io.StringWriter(e.dim() * 12 + 32);
    try (JsonGenerator g = FACTORY.createGenerator(sw)) {
      g.writeStartObject();
      if (id != null) {
        g.writeFieldName("id");
        JSON.writeTree(g, id);
      }
      g.writeFieldName("embedding");
      g.writeStartArray();
      for (float v : e.vector()) {
        g.writeNumber(v);
      }
      g.writeEndArray();
      g.writeEndObject();
    }
    out.println(sw);
  }
}
