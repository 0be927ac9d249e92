package dev.bgevl.cli;

import dev.bgevl.BgeVlException;
import java.io.UncheckedIOException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code bgevl} command: entry point of the runnable jar. */
@Command(name = "bgevl", mixinStandardHelpOptions = true, version = "bgevl 0.1.0",
    description = "BGE-VL multimodal embeddings and retrieval in pure Java.",
    subcommands = {
        EmbedCommand.class,
        BenchCommand.class,
        InfoCommand.class,
        IndexCommand.class,
        SearchCommand.class,
        DemoCommand.class,
        TokenizeCommand.class,
        PreprocessCommand.class,
        ServeCommand.class,
        EvalCommand.class,
        CommandLine.HelpCommand.class})
public final class Main implements Runnable {
  /** Exit status for a runtime failure (bad input, unreadable model, I/O); usage errors give 2. */
  public static final int EXIT_FAILURE = 1;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  /** A command line that reports user-facing failures as one line on stderr, without a stack trace. */
  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new Main());
    cl.setExecutionExceptionHandler((ex, cmd, parseResult) -> {
      cmd.getErr().println("error: " + oneLine(ex));
      if (Boolean.getBoolean("bgevl.debug")) {
        ex.printStackTrace(cmd.getErr());
      }
      return EXIT_FAILURE;
    });
    return cl;
  }

  static String oneLine(Throwable ex) {
    String msg;
    if (ex instanceof BgeVlException) {
      msg = ex.getMessage();
    } else if (ex instanceof UncheckedIOException u && u.getCause() != null) {
      msg = describe(u.getCause());
    } else {
      msg = describe(ex);
    }
    return msg.replace('\n', ' ');
  }

  private static String describe(Throwable ex) {
    if (ex instanceof java.nio.file.NoSuchFileException e) {
      return e.getFile() + ": file not found";
    }
    if (ex instanceof java.nio.file.AccessDeniedException e) {
      return e.getFile() + ": permission denied";
    }
    if (ex instanceof OutOfMemoryError) {
      return "out of memory (raise the heap with BGEVL_JAVA_OPTS=-Xmx…, or lower --batch-size)";
    }
    String m = ex.getMessage();
    return m == null || m.isBlank() ? ex.getClass().getSimpleName() : m;
  }

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }
}
