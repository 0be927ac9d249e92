package dev.bgevl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bgevl.BgeVlException;
import dev.bgevl.Embedding;
import dev.bgevl.image.ImageLimits;
import dev.bgevl.llava.MllmEmbedder;
import dev.bgevl.llava.MllmRole;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code bgevl embed} for BGE-VL-MLLM folders: text queries (with an optional task instruction) and
 * text candidates. JSONL lines may carry {@code "role"} and {@code "instruction"}; the command's
 * {@code --role}/{@code --instruction} are the defaults. Lines with {@code "image"} (and optionally
 * {@code "text"}) go through LLaVA-NeXT's image path with BGE's 512×512 pre-resize.
 */
final class MllmEmbed {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One input: text-only ({@code text}) or with an image ({@code image}). */
  private record Item(JsonNode id, MllmEmbedder.TextInput text, MllmEmbedder.ImageInput image) {}

  private MllmEmbed() {}

  /** The explicit role, else query when there is an instruction (queries carry the task), else candidate. */
  private static MllmRole roleFor(MllmRole explicit, String instruction) {
    return explicit != null ? explicit : instruction != null ? MllmRole.QUERY : MllmRole.CANDIDATE;
  }

  static int run(EmbedCommand cmd, Path dir) throws IOException {
    MllmRole defaultRole = cmd.role == null ? null : MllmRole.parse(cmd.role);
    if (cmd.role != null && defaultRole == null) {
      throw new BgeVlException("--role must be query or candidate, got '" + cmd.role + "'");
    }
    try (MllmEmbedder model = MllmEmbedder.load(dir)) {
      if (cmd.input == null) {
        MllmRole role = roleFor(defaultRole, cmd.instruction);
        Embedding e = cmd.image != null
            ? model.embed(new MllmEmbedder.ImageInput(role, cmd.instruction, cmd.text, readImage(cmd.image, cmd.image.toString()), cmd.image.toString(), true), ImageLimits.defaults())
            : model.embed(new MllmEmbedder.TextInput(role, cmd.instruction, cmd.text));
        EmbedCommand.writeLine(System.out, null, e);
        System.out.flush();
        return 0;
      }
      List<Item> items = read(cmd, defaultRole);
      EmbedCommand.writeOutput(cmd.output, out -> write(model, items, cmd.batchSize, out));
      return 0;
    }
  }

  private static void write(MllmEmbedder model, List<Item> items, int batchSize, PrintStream out) throws IOException {
    for (int from = 0; from < items.size(); from += batchSize) {
      List<Item> batch = items.subList(from, Math.min(items.size(), from + batchSize));
      // text-only items run as one padded batch; image items one by one (thousands of tokens each)
      List<MllmEmbedder.TextInput> texts = batch.stream().filter(it -> it.text() != null).map(Item::text).toList();
      java.util.Iterator<Embedding> textEmbs = model.embedBatch(texts).iterator();
      for (Item it : batch) {
        Embedding e = it.text() != null ? textEmbs.next() : model.embed(it.image(), ImageLimits.defaults());
        EmbedCommand.writeLine(out, it.id(), e);
      }
    }
  }

  private static byte[] readImage(Path p, String where) {
    try {
      return Files.readAllBytes(p);
    } catch (NoSuchFileException e) {
      throw new BgeVlException(where + ": file not found");
    } catch (IOException e) {
      throw new BgeVlException(where + ": cannot read (" + e.getMessage() + ")");
    }
  }

  private static List<Item> read(EmbedCommand cmd, MllmRole defaultRole) throws IOException {
    String name = cmd.input.equals("-") ? "<stdin>" : cmd.input;
    BufferedReader reader;
    try {
      reader = cmd.input.equals("-")
          ? new BufferedReader(new java.io.InputStreamReader(System.in, StandardCharsets.UTF_8))
          : Files.newBufferedReader(Path.of(cmd.input), StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new BgeVlException(cmd.input + ": file not found");
    }
    List<Item> items = new ArrayList<>();
    try (reader) {
      String line;
      long n = 0;
      while ((line = reader.readLine()) != null) {
        long lineNo = n++;
        if (line.isBlank()) {
          continue;
        }
        String where = name + ":" + (lineNo + 1);
        JsonNode node = EmbedCommand.readObject(line, where, "\"text\"");
        JsonNode image = node.get("image");
        JsonNode text = node.get("text");
        if ((image == null || image.isNull()) && (text == null || !text.isTextual())) {
          throw new BgeVlException(where + ": needs \"text\", \"image\" or both");
        }
        if (text != null && !text.isNull() && !text.isTextual()) {
          throw new BgeVlException(where + ": \"text\" must be a string");
        }
        if (image != null && !image.isNull() && !image.isTextual()) {
          throw new BgeVlException(where + ": \"image\" must be a path string");
        }
        String instruction = node.hasNonNull("instruction") ? node.get("instruction").asText() : cmd.instruction;
        MllmRole role = roleFor(defaultRole, instruction);
        if (node.has("role")) {
          role = MllmRole.parse(node.get("role").asText());
          if (role == null) {
            throw new BgeVlException(where + ": \"role\" must be \"query\" or \"candidate\", got " + node.get("role"));
          }
        }
        JsonNode id = node.has("id") ? node.get("id") : JSON.getNodeFactory().numberNode(lineNo);
        String t = text == null || text.isNull() ? null : text.asText();
        if (image == null || image.isNull()) {
          items.add(new Item(id, new MllmEmbedder.TextInput(role, instruction, t), null));
        } else {
          Path p = Path.of(image.asText());
          byte[] bytes = readImage(p, where + ": image " + p);
          items.add(new Item(id, null, new MllmEmbedder.ImageInput(role, instruction, t, bytes, p.toString(), true)));
        }
      }
    }
    return items;
  }
}
