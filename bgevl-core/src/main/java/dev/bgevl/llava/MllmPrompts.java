package dev.bgevl.llava;

import dev.bgevl.BgeVlException;

/**
 * The prompt strings of BGE-VL-MLLM, exactly as the reference's {@code prepare_text_input} builds
 * them ({@code ␠} = a significant space):
 * <ul>
 *   <li>query with instruction: {@code [INST]␠\n␠<instruct>␠{instruction}␠<query>␠}</li>
 *   <li>query without instruction ({@code null}): {@code [INST]␠\n␠<instruct>␠␠<query>}</li>
 *   <li>candidate: {@code [INST]␠}</li>
 * </ul>
 * then {@code ␠{text}␠\n} if there is text, {@code ␠<image>} if there is an image (text always
 * first), and {@code ␠[/INST]}. {@code [INST]} / {@code [/INST]} are plain text; the tokenizer adds
 * BOS. An empty-string instruction is an instruction (the reference tests {@code is not None}).
 */
public final class MllmPrompts {
  /** Which side of retrieval an input is on. */
  public enum Role {
    QUERY, CANDIDATE;

    /** Parses "query"/"q"/"candidate"/"c" (any case), as the reference's {@code q_or_c}. */
    public static Role parse(String s) {
      return switch (s == null ? "" : s.toLowerCase(java.util.Locale.ROOT)) {
        case "query", "q" -> QUERY;
        case "candidate", "c" -> CANDIDATE;
        default -> throw new BgeVlException("role '" + s + "' is not one of query, candidate");
      };
    }
  }

  /** The image placeholder token the processor expands to the image's feature vectors. */
  public static final String IMAGE_TOKEN = "<image>";

  /** The CIR instruction of the model card's README example (it ends with ": "). */
  public static final String CIR_INSTRUCTION = "Retrieve the target image that best meets the combined criteria by "
      + "using both the provided image and the image retrieval instructions: ";

  private MllmPrompts() {}

  /**
   * @param text nullable
   * @param hasImage whether the input carries an image
   * @param instruction nullable; only used for queries
   */
  public static String prompt(Role role, String text, boolean hasImage, String instruction) {
    if (text == null && !hasImage) throw new BgeVlException("an MLLM input needs text, an image or both; it has neither");
    StringBuilder b = new StringBuilder(64 + (text == null ? 0 : text.length()));
    if (role == Role.QUERY) {
      if (instruction == null) b.append("[INST] \n <instruct>  <query>");
      else b.append("[INST] \n <instruct> ").append(instruction).append(" <query> ");
    } else {
      b.append("[INST] ");
    }
    if (text != null) b.append(' ').append(text).append(" \n");
    if (hasImage) b.append(' ').append(IMAGE_TOKEN);
    b.append(" [/INST]");
    return b.toString();
  }
}
