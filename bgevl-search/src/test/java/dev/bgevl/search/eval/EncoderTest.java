package dev.bgevl.search.eval;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bgevl.BgeVl;
import dev.bgevl.Input;
import dev.bgevl.testing.Fixtures;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The reference's query encoding: composed, caption cut to 75 tokens (MegaPairs MMIT_Collator). */
class EncoderTest {
  @Test
  void queriesAreComposedEmbeddingsWithCaptionsCutTo75Tokens() {
    try (BgeVl m = BgeVl.load(Fixtures.model("clip-tiny"))) {
      Encoder enc = Encoder.ofModel(m);
      Path img = Fixtures.image("images/cir_query.png");
      // a short caption: exactly BgeVl's composed embedding
      float[] q = enc.composed(List.of(img), List.of("make it red"))[0];
      assertTrue(Fixtures.maxAbsDiff(q, m.embed(Input.composed(Input.image(img), "make it red")).vector()) <= 1e-6);
      // "a" is one token: 100 of them are cut to BOS + 73 + EOS, which BgeVl (77 positions) keeps whole
      float[] cut = enc.composed(List.of(img), List.of("a ".repeat(100).strip()))[0];
      float[] of73 = m.embed(Input.composed(Input.image(img), "a ".repeat(73).strip())).vector();
      float[] of75 = m.embed(Input.composed(Input.image(img), "a ".repeat(75).strip())).vector();
      assertTrue(Fixtures.maxAbsDiff(cut, of73) <= 1e-6, "75-token cut");
      assertTrue(Fixtures.maxAbsDiff(cut, of75) > 1e-4, "differs from the model's 77-token truncation");
      // corpus images: BgeVl's image embedding
      assertTrue(Fixtures.maxAbsDiff(enc.images(List.of(img))[0], m.embed(Input.image(img)).vector()) <= 1e-6);
    }
  }
}
