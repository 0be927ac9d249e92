package dev.bgevl.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bgevl.BgeVlException;
import dev.bgevl.EmbeddingModel;
import dev.bgevl.Input;
import dev.bgevl.image.ImageLimits;
import dev.bgevl.llava.MllmEmbedder;
import dev.bgevl.llava.MllmModel;
import dev.bgevl.llava.MllmRole;
import dev.bgevl.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ingestion and search with the tiny BGE-VL-MLLM fixture: documents are embedded as candidates,
 * queries as queries (with the model's default instructions), and every exact-search score equals the
 * dot product of embeddings computed directly through {@link MllmEmbedder} (2e-6: float32 dot products
 * of unit vectors, the query renormalized once more).
 */
class MllmSearchTest {
  @TempDir static Path tmp;
  static MllmModel model;
  static Path index;
  static final Map<String, float[]> docs = new HashMap<>();

  static Path fixture(String rel) {
    return Fixtures.image("images/" + rel);
  }

  static MllmEmbedder.ImageInput image(MllmRole role, String instruction, String text, Path p) throws Exception {
    return new MllmEmbedder.ImageInput(role, instruction, text, Files.readAllBytes(p), p.toString(), true);
  }

  @BeforeAll
  static void build() throws Exception {
    model = (MllmModel) EmbeddingModel.load(Fixtures.model("mllm-tiny"));
    Path corpus = tmp.resolve("corpus.jsonl");
    Files.writeString(corpus, String.join("\n",
        "{\"id\": \"candi1\", \"image\": \"" + fixture("cir_candi_1.png") + "\"}",
        "{\"id\": \"candi2\", \"image\": \"" + fixture("cir_candi_2.png") + "\"}",
        "{\"id\": \"cmyk\", \"image\": \"" + fixture("edge/cmyk.jpg") + "\"}",
        "{\"id\": \"dogs\", \"text\": \"A photo of two dogs playing in the snow\"}",
        "{\"id\": \"street\", \"image\": \"" + fixture("cir_candi_1.png") + "\", \"text\": \"A man walking on a street at night.\"}") + "\n");
    index = tmp.resolve("mllm.idx");
    try (VectorIndex idx = VectorIndex.openOrCreate(index, "mllm-tiny", model.modelId(), model.dim(), VectorIndex.Options.DEFAULT)) {
      Ingester.Summary s = new Ingester(idx, new BgeVlEmbedder(model), new Ingester.Options(2, null)).run(List.of(corpus));
      assertEquals(5, s.added(), s.describe());
      assertEquals(0, s.failures().size(), s.describe());
    }
    MllmEmbedder e = model.embedder();
    ImageLimits l = ImageLimits.defaults();
    docs.put("candi1", e.embed(image(MllmRole.CANDIDATE, null, null, fixture("cir_candi_1.png")), l).vector());
    docs.put("candi2", e.embed(image(MllmRole.CANDIDATE, null, null, fixture("cir_candi_2.png")), l).vector());
    docs.put("cmyk", e.embed(image(MllmRole.CANDIDATE, null, null, fixture("edge/cmyk.jpg")), l).vector());
    docs.put("dogs", e.embed(new MllmEmbedder.TextInput(MllmRole.CANDIDATE, null, "A photo of two dogs playing in the snow")).vector());
    docs.put("street", e.embed(image(MllmRole.CANDIDATE, null, "A man walking on a street at night.", fixture("cir_candi_1.png")), l).vector());
  }

  @AfterAll
  static void close() {
    model.close();
  }

  static double dot(float[] a, float[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += (double) a[i] * b[i];
    }
    return s;
  }

  /** Searches with {@code query} embedded by the model and checks every score against {@code direct}. */
  static void checkScores(Input query, float[] direct) {
    float[] q = model.embed(query).vector();
    assertTrue(Fixtures.maxAbsDiff(q, direct) <= 1e-6, "query embedding vs MllmEmbedder");
    try (VectorIndex idx = VectorIndex.open(index)) {
      idx.checkModel(model.modelId(), model.dim());
      List<Hit> hits = idx.searcher().search(Query.builder(q).k(10).exact(true).build());
      assertEquals(5, hits.size());
      for (int i = 0; i < hits.size(); i++) {
        Hit h = hits.get(i);
        assertEquals(dot(direct, docs.get(h.id())), h.score(), 2e-6, h.id());
        if (i > 0) {
          assertTrue(hits.get(i - 1).score() >= h.score());
        }
      }
      // the HNSW path finds the same top hit on 5 documents
      assertEquals(hits.get(0).id(), idx.searcher().search(Query.builder(q).k(1).build()).get(0).id());
    }
  }

  @Test
  void textQueryWithoutAndWithInstruction() throws Exception {
    MllmEmbedder e = model.embedder();
    checkScores(Input.query(Input.text("a red double-decker bus"), null),
        e.embed(new MllmEmbedder.TextInput(MllmRole.QUERY, null, "a red double-decker bus")).vector());
    String inst = "Find an image that matches the given text.";
    checkScores(Input.query(Input.text("two dogs in the snow"), inst),
        e.embed(new MllmEmbedder.TextInput(MllmRole.QUERY, inst, "two dogs in the snow")).vector());
  }

  @Test
  void imageAndComposedQueries() throws Exception {
    MllmEmbedder e = model.embedder();
    ImageLimits l = ImageLimits.defaults();
    Path q = fixture("cir_query.png");
    checkScores(Input.query(Input.image(q), null), e.embed(image(MllmRole.QUERY, null, null, q), l).vector());
    String edit = "Make the background dark, as if the camera has taken the photo at night";
    checkScores(Input.query(Input.composed(Input.image(q), edit), null),
        e.embed(image(MllmRole.QUERY, MllmModel.CIR_INSTRUCTION, edit, q), l).vector());
  }

  @Test
  void anIndexRefusesAnotherModel() {
    try (EmbeddingModel clip = EmbeddingModel.load(Fixtures.model("clip-tiny"))) {
      BgeVlException e = assertThrows(BgeVlException.class,
          () -> VectorIndex.openOrCreate(index, "clip-tiny", clip.modelId(), clip.dim(), VectorIndex.Options.DEFAULT));
      assertEquals("index " + index + " was built with model mllm-tiny (dim 64), not clip-tiny (dim " + clip.dim()
          + "): use --model mllm-tiny or a new --index folder", e.getMessage());
    }
  }
}
