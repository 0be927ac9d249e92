package dev.bgevl;

/**
 * The one error type users see from the library: its message is a single line that names the input
 * (file, tensor, config key, text) and the problem. The CLI prints the message alone, without a
 * stack trace; the server maps it to a 4xx JSON error.
 */
public class BgeVlException extends RuntimeException {
  public BgeVlException(String message) {
    super(message);
  }

  public BgeVlException(String message, Throwable cause) {
    super(message, cause);
  }
}
