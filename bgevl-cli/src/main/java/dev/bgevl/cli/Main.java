package dev.bgevl.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code bgevl} command: entry point of the runnable jar. */
@Command(name = "bgevl", mixinStandardHelpOptions = true, version = "bgevl 0.1.0",
    description = "BGE-VL multimodal embeddings and retrieval in pure Java.",
    subcommands = {CommandLine.HelpCommand.class,
        TokenizeCommand.class})
public final class Main implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new Main()).execute(args));
  }
}
