package dev.bgevl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bgevl.BgeVlException;
import dev.bgevl.Embedding;
import dev.bgevl.llava.MllmEmbedder;
import dev.bgevl.llava.MllmRole;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code bgevl embed} for BGE-VL-MLLM folders: text queries (with an optional task instruction) and
 * text candidates. JSONL lines may carry {@code "role"} and {@code "instruction"}; the command's
 * {@code --role}/{@code --instruction} are the defaults. Image inputs for the MLLM are not wired yet
 * and are refused with one line.
 */
final class MllmEmbed {
  private static final ObjectMapper JSON = new ObjectMapper();

  private record Item(JsonNode id, MllmEmbedder.TextInput input) {}

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
        if (cmd.image != null) {
          throw new BgeVlException(cmd.image + ": image inputs for BGE-VL-MLLM are not supported yet (text queries and candidates are)");
        }
        if (cmd.text == null) {
          throw new BgeVlException("give --text (or --input FILE.jsonl)");
        }
        Embedding e = model.embed(new MllmEmbedder.TextInput(roleFor(defaultRole, cmd.instruction), cmd.instruction, cmd.text));
        EmbedCommand.writeLine(System.out, null, e);
        System.out.flush();
        return 0;
      }
      List<Item> items = read(cmd, defaultRole);
      if (cmd.output == null) {
        write(model, items, cmd.batchSize, System.out);
        System.out.flush();
        return 0;
      }
      Path abs = cmd.output.toAbsolutePath();
      Path tmp = abs.resolveSibling(abs.getFileName() + ".partial");
      try (PrintStream out = new PrintStream(Files.newOutputStream(tmp), false, StandardCharsets.UTF_8)) {
        write(model, items, cmd.batchSize, out);
      } catch (RuntimeException | IOException e) {
        Files.deleteIfExists(tmp);
        throw e;
      }
      Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      return 0;
    }
  }

  private static void write(MllmEmbedder model, List<Item> items, int batchSize, PrintStream out) throws IOException {
    for (int from = 0; from < items.size(); from += batchSize) {
      List<Item> batch = items.subList(from, Math.min(items.size(), from + batchSize));
      List<Embedding> embs = model.embedBatch(batch.stream().map(Item::input).toList());
      for (int i = 0; i < batch.size(); i++) {
        EmbedCommand.writeLine(out, batch.get(i).id(), embs.get(i));
      }
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
        if (node.hasNonNull("image")) {
          throw new BgeVlException(where + ": image inputs for BGE-VL-MLLM are not supported yet (text queries and candidates are)");
        }
        JsonNode text = node.get("text");
        if (text == null || !text.isTextual()) {
          throw new BgeVlException(where + ": needs a \"text\" string");
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
        items.add(new Item(id, new MllmEmbedder.TextInput(role, instruction, text.asText())));
      }
    }
    return items;
  }
}
