package dev.bgevl.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/** A small HTTP client for tests: JSON and multipart requests, responses as status + body + JSON. */
final class Http {
  static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  record Response(int status, byte[] body, java.net.http.HttpHeaders headers) {
    String text() {
      return new String(body, StandardCharsets.UTF_8);
    }

    JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new AssertionError("not JSON (" + status + "): " + text(), e);
      }
    }

    /** The error message of an error response. */
    String error() {
      JsonNode e = json().path("error");
      if (!e.isObject() || !e.path("message").isTextual() || !e.path("type").isTextual()) {
        throw new AssertionError("not an error object: " + text());
      }
      return e.path("message").asText();
    }
  }

  private final String base;
  private final Map<String, String> headers = new LinkedHashMap<>();

  Http(String base) {
    this.base = base;
  }

  Http header(String k, String v) {
    headers.put(k, v);
    return this;
  }

  Response get(String path) {
    return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
  }

  Response delete(String path) {
    return send(HttpRequest.newBuilder(URI.create(base + path)).DELETE());
  }

  Response postJson(String path, Object body) {
    try {
      String s = body instanceof String str ? str : JSON.writeValueAsString(body);
      return post(path, "application/json", s.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  Response post(String path, String contentType, byte[] body) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    return send(b);
  }

  /** multipart/form-data: String values are fields, {@link FilePart}s are files. */
  Response postMultipart(String path, Map<String, Object> parts) {
    String boundary = "----bgevl" + UUID.randomUUID();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      for (var e : parts.entrySet()) {
        out.write(("--" + boundary + "\r\n").getBytes(StandardCharsets.UTF_8));
        if (e.getValue() instanceof FilePart f) {
          out.write(("Content-Disposition: form-data; name=\"" + e.getKey() + "\"; filename=\"" + f.name() + "\"\r\n"
              + "Content-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
          out.write(f.bytes());
        } else {
          out.write(("Content-Disposition: form-data; name=\"" + e.getKey() + "\"\r\n\r\n" + e.getValue()).getBytes(StandardCharsets.UTF_8));
        }
        out.write("\r\n".getBytes(StandardCharsets.UTF_8));
      }
      out.write(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return post(path, "multipart/form-data; boundary=" + boundary, out.toByteArray());
  }

  record FilePart(String name, byte[] bytes) {}

  private Response send(HttpRequest.Builder b) {
    headers.forEach(b::header);
    b.timeout(Duration.ofSeconds(60));
    try {
      HttpResponse<byte[]> r = CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
      return new Response(r.statusCode(), r.body(), r.headers());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
