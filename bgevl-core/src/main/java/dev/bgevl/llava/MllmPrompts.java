package dev.bgevl.llava;

/**
 * The prompt strings of BGE-VL-MLLM's reference {@code prepare_text_input}. Text always precedes
 * {@code <image>}; {@code [INST]}/{@code [/INST]} are plain text (the tokenizer adds BOS).
 *
 * <pre>
 * query, instruction I: "[INST] \n &lt;instruct&gt; I &lt;query&gt; "   (+ " T \n") (+ " &lt;image&gt;") + " [/INST]"
 * query, no instruction: "[INST] \n &lt;instruct&gt;  &lt;query&gt;"    (+ " T \n") (+ " &lt;image&gt;") + " [/INST]"
 * candidate:             "[INST] "                       (+ " T \n") (+ " &lt;image&gt;") + " [/INST]"
 * </pre>
 *
 * A null instruction selects the no-instruction form; an empty string is an (empty) instruction,
 * as in the reference.
 */
public final class MllmPrompts {
  public static final String IMAGE_TOKEN = "<image>";

  private MllmPrompts() {}

  /** The prompt for {@code role}; {@code text} nullable, at least one of text/image. */
  public static String prompt(MllmRole role, String instruction, String text, boolean hasImage) {
    if (text == null && !hasImage) {
      throw new IllegalArgumentException("an MLLM input needs text, an image or both");
    }
    StringBuilder sb = new StringBuilder();
    if (role == MllmRole.QUERY) {
      if (instruction != null) {
        sb.append("[INST] \n <instruct> ").append(instruction).append(" <query> ");
      } else {
        sb.append("[INST] \n <instruct>  <query>");
      }
    } else {
      sb.append("[INST] ");
    }
    if (text != null) {
      sb.append(' ').append(text).append(" \n");
    }
    if (hasImage) {
      sb.append(' ').append(IMAGE_TOKEN);
    }
    sb.append(" [/INST]");
    return sb.toString();
  }
}
