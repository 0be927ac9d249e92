package dev.bgevl.server;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Base64;
import java.util.Iterator;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Turns what a client sends for an image (base64, a data URI, or an allowlisted http(s) URL) into
 * bytes, enforcing the size and pixel limits before anything is decoded.
 */
final class ImageSource {
  private final ServerConfig config;
  private final HttpClient http;

  ImageSource(ServerConfig config) {
    this.config = config;
    this.http = config.allowUrlPrefixes().isEmpty() ? null
        : HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(10)).build();
  }

  /** The bytes of the image named {@code field} (for messages), checked against the limits. */
  byte[] bytes(String value, String field) {
    byte[] b;
    String v = value.strip();
    String lower = v.length() > 8 ? v.substring(0, 8).toLowerCase(Locale.ROOT) : v.toLowerCase(Locale.ROOT);
    if (lower.startsWith("data:")) {
      int comma = v.indexOf(',');
      if (comma < 0 || !v.substring(0, comma).toLowerCase(Locale.ROOT).endsWith(";base64")) {
        throw ApiException.badRequest(field + ": a data URI must look like data:image/png;base64,<data>");
      }
      b = base64(v.substring(comma + 1), field);
    } else if (lower.startsWith("http://") || lower.startsWith("https://")) {
      b = fetch(v, field);
    } else {
      b = base64(v, field);
    }
    return checked(b, field);
  }

  /** Applies the byte and pixel limits to an uploaded or decoded image. */
  byte[] checked(byte[] b, String field) {
    if (b.length == 0) {
      throw ApiException.badRequest(field + ": the image is empty (0 bytes)");
    }
    if (b.length > config.maxImageBytes()) {
      throw ApiException.tooLarge(field + ": the image is " + b.length + " bytes, above the limit of " + config.maxImageBytes() + " (--max-image-bytes)");
    }
    checkPixels(b, field);
    return b;
  }

  private byte[] base64(String s, String field) {
    // MIME-style line breaks are tolerated, anything else outside the alphabet is an error
    String clean = s.indexOf('\n') >= 0 || s.indexOf('\r') >= 0 || s.indexOf(' ') >= 0 ? s.replaceAll("\\s+", "") : s;
    if (clean.isEmpty()) {
      throw ApiException.badRequest(field + ": the image is empty");
    }
    if ((long) clean.length() * 3 / 4 > config.maxImageBytes() + 3) {
      throw ApiException.tooLarge(field + ": the image is about " + ((long) clean.length() * 3 / 4) + " bytes, above the limit of " + config.maxImageBytes() + " (--max-image-bytes)");
    }
    try {
      return (clean.indexOf('-') >= 0 || clean.indexOf('_') >= 0 ? Base64.getUrlDecoder() : Base64.getDecoder()).decode(clean);
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest(field + ": not valid base64 (" + e.getMessage() + "); send base64 image bytes or a data: URI"
          + (config.allowUrlPrefixes().isEmpty() ? "" : " or an allowed http(s) URL"));
    }
  }

  private byte[] fetch(String url, String field) {
    if (config.allowUrlPrefixes().isEmpty()) {
      throw ApiException.badRequest(field + ": image URLs are not fetched by this server (SSRF protection); send base64 or a data: URI, or start it with --allow-url-prefix");
    }
    URI u;
    try {
      u = new URI(url).normalize();
    } catch (Exception e) {
      throw ApiException.badRequest(field + ": not a valid URL");
    }
    String s = u.toString();
    if (u.getRawUserInfo() != null || u.getHost() == null || config.allowUrlPrefixes().stream().noneMatch(s::startsWith)) {
      throw new ApiException(403, ApiException.PERMISSION, field + ": URL " + s + " is not under an allowed prefix (--allow-url-prefix " + String.join(", ", config.allowUrlPrefixes()) + ")");
    }
    try {
      HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(u).timeout(Duration.ofSeconds(15)).GET().build(),
          HttpResponse.BodyHandlers.ofInputStream());
      try (InputStream in = r.body()) {
        if (r.statusCode() / 100 == 3) {
          throw ApiException.badRequest(field + ": " + s + " redirects (HTTP " + r.statusCode() + "); redirects are not followed, give the final URL");
        }
        if (r.statusCode() != 200) {
          throw ApiException.badRequest(field + ": fetching " + s + " gave HTTP " + r.statusCode());
        }
        byte[] b = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, config.maxImageBytes() + 1));
        if (b.length > config.maxImageBytes()) {
          throw ApiException.tooLarge(field + ": " + s + " is larger than the limit of " + config.maxImageBytes() + " bytes (--max-image-bytes)");
        }
        return b;
      }
    } catch (IOException e) {
      throw ApiException.badRequest(field + ": fetching " + s + " failed (" + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ApiException(503, ApiException.SERVER, field + ": interrupted while fetching " + s);
    }
  }

  /** Reads width and height from the header (no pixel buffer) and refuses images above the pixel limit. */
  private void checkPixels(byte[] b, String field) {
    try (ImageInputStream iis = ImageIO.createImageInputStream(new ByteArrayInputStream(b))) {
      if (iis == null) {
        return;
      }
      Iterator<ImageReader> readers = ImageIO.getImageReaders(iis);
      if (!readers.hasNext()) {
        return; // not an image format we know: the decoder gives the precise error
      }
      ImageReader r = readers.next();
      try {
        r.setInput(iis, true, true);
        long w = r.getWidth(0);
        long h = r.getHeight(0);
        if (w * h > config.maxImagePixels()) {
          throw ApiException.tooLarge(field + ": the image is " + w + "x" + h + " = " + (w * h) + " pixels, above the limit of "
              + config.maxImagePixels() + " (--max-image-pixels)");
        }
      } finally {
        r.dispose();
      }
    } catch (IOException | RuntimeException e) {
      if (e instanceof ApiException a) {
        throw a;
      }
      // unreadable header: leave the precise message to the decoder
    }
  }
}
