package dev.bgevl.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.bgevl.BgeVl;
import dev.bgevl.Input;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * End to end in a real browser: headless Debian Chromium driven by Selenium loads the page, uploads
 * a query image with a text, and the grid must show the top result the library computes for the
 * tiny model over an 11-image index; then the page adds an image to the index. Skipped (with a
 * message) when Chromium is absent, except in CI (CI=true), where that fails.
 */
class BrowserTest {
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

  @TempDir
  Path tmp;

  static void requireChromium() {
    if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
      String msg = "Chromium or chromedriver missing (" + CHROMIUM + ", " + CHROMEDRIVER + "): install them with "
          + "'apt-get install -y chromium chromium-driver' (.ci/run does)";
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        fail(msg);
      }
      Assumptions.assumeTrue(false, "skipped: " + msg);
    }
  }

  ChromeDriver driver() {
    ChromeOptions opts = new ChromeOptions();
    opts.setBinary(CHROMIUM.toFile());
    opts.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", "--window-size=1280,900", "--user-data-dir=" + tmp.resolve("chrome-profile"));
    // the driver is given explicitly, so Selenium Manager never looks for (or downloads) one
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
    return new ChromeDriver(service, opts);
  }

  /**
   * The tiny BGE-VL-MLLM model behind the page: the instruction field is shown, and an uploaded image
   * with a text and a typed instruction ranks the candidates as the library's query embedding does.
   */
  @Test
  void mllmModelShowsTheInstructionFieldAndRanksLikeTheLibrary() throws IOException {
    requireChromium();
    try (dev.bgevl.EmbeddingModel model = dev.bgevl.EmbeddingModel.load(dev.bgevl.testing.Fixtures.model("mllm-tiny"))) {
      InMemorySearchBackend index = new InMemorySearchBackend(model.dim());
      for (String rel : List.of("cir_candi_1.png", "cir_candi_2.png", "edge/palette.png", "corpus/000000156031.jpg")) {
        Path p = TinyModel.image(rel);
        index.add(new SearchBackend.Doc(rel, p.toAbsolutePath().toString(), null, "image", Map.of(), model.embed(Input.image(p)).vector()));
      }
      Path query = TinyModel.image("cir_query.png").toAbsolutePath();
      String text = "make it night";
      String instruction = "Edit the image as the text says: ";
      float[] q = model.embed(Input.query(Input.composed(Input.image(query), text), instruction)).vector();
      List<SearchBackend.Hit> expected = index.search(q, 4, null, Float.NEGATIVE_INFINITY);
      try (BgeVlServer server = BgeVlServer.start(Embedder.of(model), index, ServerConfig.builder().port(0).uploadDir(tmp.resolve("uploads")).build())) {
        ChromeDriver driver = driver();
        try {
          WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(30));
          driver.get(server.url() + "/");
          wait.until(d -> d.findElement(By.id("model-info")).getText().contains("4 items"));
          wait.until(d -> d.findElement(By.id("query-instruction")).isDisplayed());
          driver.findElement(By.id("query-image")).sendKeys(query.toString());
          wait.until(d -> d.findElement(By.id("query-preview")).isDisplayed());
          driver.findElement(By.id("query-text")).sendKeys(text);
          driver.findElement(By.id("query-instruction")).sendKeys(instruction);
          driver.findElement(By.id("search-button")).click();
          wait.until(d -> d.findElement(By.id("status")).getText().contains("results"));
          List<String> shown = new ArrayList<>();
          for (WebElement c : driver.findElements(By.cssSelector("#results .result"))) {
            shown.add(c.getAttribute("data-id"));
          }
          assertEquals(expected.stream().map(SearchBackend.Hit::id).toList(), shown);
          String score = driver.findElements(By.cssSelector("#results .result")).get(0).findElement(By.className("score")).getText();
          assertEquals(String.format(java.util.Locale.ROOT, "%.4f", expected.get(0).score()), score);
        } finally {
          driver.quit();
        }
      }
    }
  }

  @Test
  void searchWithAnUploadedImageAndTextShowsTheExpectedTopResult() throws IOException {
    requireChromium();
    BgeVl model = TinyModel.get();
    InMemorySearchBackend index = new InMemorySearchBackend(model.dim());
    List<Path> corpus;
    try (Stream<Path> s = Files.list(TinyModel.image("corpus"))) {
      corpus = s.sorted().toList();
    }
    for (Path p : corpus) {
      float[] v = model.embed(Input.image(p)).vector();
      index.add(new SearchBackend.Doc(p.getFileName().toString(), p.toAbsolutePath().toString(), null, "image", Map.of(), v));
    }
    Path query = TinyModel.image("query/000000530944.jpg").toAbsolutePath();
    String text = "the same scene at night";
    float[] q = model.embed(Input.composed(Input.image(query), text)).vector();
    List<SearchBackend.Hit> expected = index.search(q, 3, null, Float.NEGATIVE_INFINITY);
    String expectedTop = expected.get(0).id();

    try (BgeVlServer server = BgeVlServer.start(Embedder.of(model), index, ServerConfig.builder().port(0).uploadDir(tmp.resolve("uploads")).build())) {
      ChromeDriver driver = driver();
      try {
        WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(30));
        driver.get(server.url() + "/");
        wait.until(d -> d.findElement(By.id("model-info")).getText().contains("11 items"));
        assertTrue(!driver.findElement(By.id("query-instruction")).isDisplayed(), "no instruction field for a CLIP model");
        driver.findElement(By.id("query-image")).sendKeys(query.toString());
        wait.until(d -> d.findElement(By.id("query-preview")).isDisplayed());
        driver.findElement(By.id("query-text")).sendKeys(text);
        driver.findElement(By.id("search-button")).click();
        wait.until(d -> d.findElement(By.id("status")).getText().contains("results"));
        assertEquals("11 results for a composed query", driver.findElement(By.id("status")).getText().replaceAll(" in \\d+ ms", ""),
            driver.findElement(By.id("status")).getText());
        List<WebElement> cards = driver.findElements(By.cssSelector("#results .result"));
        List<String> shown = new ArrayList<>();
        for (WebElement c : cards) {
          shown.add(c.getAttribute("data-id"));
        }
        assertEquals(expectedTop, shown.get(0), "top result in the grid; expected order " + expected + ", shown " + shown);
        assertEquals(expected.get(1).id(), shown.get(1));
        String score = cards.get(0).findElement(By.className("score")).getText();
        assertEquals(String.format(java.util.Locale.ROOT, "%.4f", expected.get(0).score()), score);
        // the thumbnail was fetched from /v1/thumbnail and decoded by the browser
        wait.until(d -> Boolean.TRUE.equals(((JavascriptExecutor) d).executeScript(
            "const i = document.querySelector('#results .result .thumb img'); return !!i && i.complete && i.naturalWidth > 0;")));

        // add an image to the index from the page
        driver.findElement(By.cssSelector("#add-panel summary")).click();
        driver.findElement(By.id("add-image")).sendKeys(TinyModel.image("cir_candi_1.png").toAbsolutePath().toString());
        driver.findElement(By.id("add-id")).sendKeys("candidate-1");
        driver.findElement(By.id("add-metadata")).sendKeys("{\"origin\": \"browser\"}");
        driver.findElement(By.id("add-button")).click();
        wait.until(d -> d.findElement(By.id("add-status")).getText().startsWith("Added"));
        assertTrue(driver.findElement(By.id("add-status")).getText().contains("candidate-1"), driver.findElement(By.id("add-status")).getText());
        assertEquals(12, index.size());
        assertTrue(index.pathOf("candidate-1").isPresent());
      } finally {
        driver.quit();
      }
    }
  }
}
