package dev.bgevl.llava;

/** Which side of a retrieval pair an MLLM input is: the prompts differ. */
public enum MllmRole {
  QUERY,
  CANDIDATE;

  /** "query" or "candidate" (case-insensitive), else null. */
  public static MllmRole parse(String s) {
    if (s == null) {
      return null;
    }
    return switch (s.toLowerCase(java.util.Locale.ROOT)) {
      case "query" -> QUERY;
      case "candidate" -> CANDIDATE;
      default -> null;
    };
  }
}
