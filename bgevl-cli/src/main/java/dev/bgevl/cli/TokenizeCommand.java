package dev.bgevl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bgevl.BgeVlException;
import dev.bgevl.tokenize.ClipTokenizer;
import dev.bgevl.tokenize.Encoding;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code bgevl tokenize}: prints the CLIP token ids of texts, one JSON line per text. Errors are
 * {@link BgeVlException}s, printed as one line by {@link Main#commandLine()}'s handler.
 */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
    description = {"Tokenize texts with a model's CLIP tokenizer (identical to Hugging Face's CLIPTokenizerFast).",
        "Prints one JSON line per text: {\"ids\": [...], \"tokens\": [...]} plus \"truncated\": true for texts cut to the model's limit."})
public final class TokenizeCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Spec CommandSpec spec;

  @Option(names = "--model", required = true, paramLabel = "DIR",
      description = "Model folder with tokenizer.json (or vocab.json + merges.txt) and tokenizer_config.json.")
  Path model;

  @Option(names = "--text", paramLabel = "TEXT", description = "A text to tokenize; repeat for several.")
  List<String> texts;

  @Option(names = "--input", paramLabel = "FILE.jsonl",
      description = "A JSON Lines file with one {\"text\": ...} object per line.")
  Path input;

  @Option(names = "--no-truncate",
      description = "Refuse texts longer than the model's limit (77 tokens for CLIP) instead of truncating them.")
  boolean noTruncate;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try {
      if ((texts == null || texts.isEmpty()) == (input == null)) {
        throw new CommandLine.ParameterException(spec.commandLine(), "give either --text TEXT (one or more) or --input FILE.jsonl");
      }
      ClipTokenizer tokenizer = ClipTokenizer.load(model,
          noTruncate ? ClipTokenizer.Truncation.ERROR : ClipTokenizer.Truncation.TRUNCATE);
      if (texts != null) {
        for (String t : texts) print(tokenizer, t, "--text", out, err);
      } else {
        try (BufferedReader r = Files.newBufferedReader(input, StandardCharsets.UTF_8)) {
          String line;
          int number = 0;
          while ((line = r.readLine()) != null) {
            number++;
            if (line.isBlank()) continue;
            String where = input + ":" + number;
            JsonNode node;
            try {
              node = JSON.readTree(line);
            } catch (com.fasterxml.jackson.core.JacksonException e) {
              throw new BgeVlException(where + ": not a JSON object: " + e.getOriginalMessage().lines().findFirst().orElse(""));
            }
            if (node == null || !node.isObject() || !node.path("text").isTextual()) {
              throw new BgeVlException(where + ": expected {\"text\": \"...\"}");
            }
            print(tokenizer, node.get("text").asText(), where, out, err);
          }
        } catch (NoSuchFileException e) {
          throw new BgeVlException(input + ": no such file");
        } catch (java.nio.charset.MalformedInputException e) {
          throw new BgeVlException(input + ": not valid UTF-8");
        } catch (IOException e) {
          throw new BgeVlException(input + ": cannot read: " + e.getMessage());
        }
      }
      return 0;
    } finally {
      out.flush();
    }
  }

  private static void print(ClipTokenizer tokenizer, String text, String where, PrintWriter out, PrintWriter err) {
    Encoding e = tokenizer.encode(text);
    ObjectNode o = JSON.createObjectNode();
    ArrayNode ids = o.putArray("ids");
    for (int id : e.ids()) ids.add(id);
    ArrayNode tokens = o.putArray("tokens");
    for (String t : e.tokens()) tokens.add(t);
    if (e.truncated()) {
      o.put("truncated", true);
      out.flush();
      err.println("warning: " + where + ": text truncated to " + tokenizer.maxLength() + " tokens (BOS + first "
          + (tokenizer.maxLength() - 2) + " + EOS)");
      err.flush();
    }
    out.println(o.toString());
  }
}
