package dev.bgevl.tokenize;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bgevl.BgeVlException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Broken tokenizer folders are refused with one line naming the file and the problem. */
class TokenizerFilesErrorTest {
  @TempDir Path dir;

  private String refused(String... expectedParts) {
    BgeVlException e = assertThrows(BgeVlException.class, () -> ClipTokenizer.load(dir));
    String msg = e.getMessage();
    assertFalse(msg.contains("\n"), "one line: " + msg);
    for (String part : expectedParts) assertTrue(msg.contains(part), "'" + msg + "' should contain '" + part + "'");
    return msg;
  }

  /** The real tokenizer.json with one textual replacement. */
  private void tokenizerJsonWith(String from, String to) throws Exception {
    TokenizerFixtures.copyInto(dir, "tokenizer.json");
    Path f = dir.resolve("tokenizer.json");
    String s = Files.readString(f);
    assertTrue(s.contains(from), "fixture contains " + from);
    Files.writeString(f, s.replaceFirst(java.util.regex.Pattern.quote(from), java.util.regex.Matcher.quoteReplacement(to)));
  }

  @Test
  void missingFolder() {
    dir = dir.resolve("nope");
    refused("nope", "does not exist");
  }

  @Test
  void noTokenizerFiles() {
    refused(dir.toString(), "no tokenizer.json, nor vocab.json + merges.txt");
  }

  @Test
  void vocabWithoutMerges() {
    TokenizerFixtures.copyInto(dir, "vocab.json");
    refused("merges.txt", "missing");
  }

  @Test
  void mergesWithoutVocab() {
    TokenizerFixtures.copyInto(dir, "merges.txt");
    refused("vocab.json", "missing");
  }

  @Test
  void badJson() throws Exception {
    Files.writeString(dir.resolve("tokenizer.json"), "{\"model\": {\"type\": \"BPE\", ");
    refused("tokenizer.json", "not valid JSON");
  }

  @Test
  void badJsonInTokenizerConfig() throws Exception {
    TokenizerFixtures.copyInto(dir, "tokenizer.json");
    Files.writeString(dir.resolve("tokenizer_config.json"), "{pad_token: x}");
    refused("tokenizer_config.json", "not valid JSON");
  }

  @Test
  void unknownModelType() throws Exception {
    tokenizerJsonWith("\"type\": \"BPE\"", "\"type\": \"WordPiece\"");
    refused("tokenizer.json", "model type 'WordPiece' is not supported");
  }

  @Test
  void mergeNamingATokenAbsentFromTheVocab() throws Exception {
    tokenizerJsonWith("\"i n\"", "\"i zzzunknown\"");
    refused("tokenizer.json", "merge 1 'i zzzunknown'", "'zzzunknown' that is not in the vocabulary");
  }

  @Test
  void mergeMakingATokenAbsentFromTheVocab() throws Exception {
    TokenizerFixtures.copyInto(dir, "vocab.json", "merges.txt");
    Path merges = dir.resolve("merges.txt");
    String s = Files.readString(merges);
    Files.writeString(merges, s.replaceFirst("\ni n\n", "\n\u0100 \u0100\n"));
    refused("merges.txt", "merge 1 '\u0100 \u0100' makes token '\u0100\u0100' that is not in the vocabulary");
  }

  @Test
  void malformedMergeLine() throws Exception {
    TokenizerFixtures.copyInto(dir, "vocab.json", "merges.txt");
    Path merges = dir.resolve("merges.txt");
    Files.writeString(merges, Files.readString(merges).replaceFirst("\nt h\n", "\nt h x\n"));
    refused("merges.txt", "line 3: 't h x' is not two tokens separated by one space");
  }

  @Test
  void vocabIsNotAnObject() throws Exception {
    Files.writeString(dir.resolve("vocab.json"), "[1, 2]");
    TokenizerFixtures.copyInto(dir, "merges.txt");
    refused("vocab.json", "expected a JSON object");
  }

  @Test
  void unsupportedPreTokenizer() throws Exception {
    tokenizerJsonWith("\"behavior\": \"Removed\"", "\"behavior\": \"Isolated\"");
    refused("tokenizer.json", "pre_tokenizer", "not supported");
  }

  @Test
  void unsupportedNormalizer() throws Exception {
    tokenizerJsonWith("{\"type\": \"NFC\"}", "{\"type\": \"BertNormalizer\"}");
    refused("tokenizer.json", "normalizer type 'BertNormalizer' is not supported");
  }

  @Test
  void padTokenNotInVocabulary() throws Exception {
    TokenizerFixtures.copyInto(dir, "tokenizer.json");
    Files.writeString(dir.resolve("tokenizer_config.json"), "{\"pad_token\": \"<pad>\"}");
    refused("pad_token '<pad>' is not in the vocabulary");
  }
}
