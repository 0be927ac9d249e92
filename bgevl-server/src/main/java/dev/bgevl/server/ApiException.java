package dev.bgevl.server;

import java.util.Map;

/**
 * An error the server answers with {@code {"error": {"message", "type"}}} and an HTTP status. The
 * message is one line that names the offending field or input.
 */
public class ApiException extends RuntimeException {
  /** OpenAI-style error types. */
  public static final String INVALID_REQUEST = "invalid_request_error";
  public static final String AUTHENTICATION = "authentication_error";
  public static final String PERMISSION = "permission_error";
  public static final String NOT_FOUND = "not_found_error";
  public static final String RATE_LIMIT = "rate_limit_error";
  public static final String TIMEOUT = "timeout_error";
  public static final String SERVER = "server_error";

  private final int status;
  private final String type;
  private final Map<String, String> headers;

  public ApiException(int status, String type, String message) {
    this(status, type, message, Map.of());
  }

  public ApiException(int status, String type, String message, Map<String, String> headers) {
    super(message);
    this.status = status;
    this.type = type;
    this.headers = headers;
  }

  public static ApiException badRequest(String message) {
    return new ApiException(400, INVALID_REQUEST, message);
  }

  public static ApiException tooLarge(String message) {
    return new ApiException(413, INVALID_REQUEST, message);
  }

  public static ApiException notFound(String message) {
    return new ApiException(404, NOT_FOUND, message);
  }

  public int status() {
    return status;
  }

  public String type() {
    return type;
  }

  /** Extra response headers (e.g. {@code Retry-After}, {@code WWW-Authenticate}). */
  public Map<String, String> headers() {
    return headers;
  }
}
