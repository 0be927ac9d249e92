package dev.bgevl.llava;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bgevl.BgeVlException;
import dev.bgevl.testing.Fixtures;
import org.junit.jupiter.api.Test;

class ImageMergeTest {
  @Test
  void expandedLengthsMatchEveryFixtureItem() {
    JsonNode expected = Fixtures.expected("mllm-tiny");
    for (JsonNode item : expected.get("items")) {
      int[] ids = Fixtures.ints(item.get("input_ids"));
      int n = item.get("num_image_tokens").asInt();
      int[] counts = item.path("image").isTextual() ? new int[] {n} : new int[0];
      ImageMerge.Layout l = ImageMerge.layout(ids, 32000, counts, 32768, item.get("name").asText());
      assertEquals(item.get("seq_len").asInt(), l.length(), item.get("name").asText());
    }
    JsonNode im = expected.get("intermediates");
    JsonNode first = expected.get("items").get(0);
    ImageMerge.Layout l = ImageMerge.layout(Fixtures.ints(first.get("input_ids")), 32000, new int[] {88}, 32768, "q");
    assertEquals(im.get("first_image_position_in_expanded_ids").asInt(), l.imageStart()[0]);
    assertEquals(im.get("expanded_seq_len").asInt(), l.length());
  }

  @Test
  void mergePlacesTextAndImageRows() {
    int[] ids = {1, 7, 32000, 8};
    ImageMerge.Layout l = ImageMerge.layout(ids, 32000, new int[] {2}, 10, "x");
    assertArrayEquals(new int[] {0, 1, -1, 4}, l.textPosition());
    float[] tok = {10, 11, 99, 13};
    float[] m = ImageMerge.merge(l, tok, new float[][] {{20, 21}}, 1);
    assertArrayEquals(new float[] {10, 11, 20, 21, 13}, m);
  }

  @Test
  void wrongPlaceholderCountAndTooLongAreOneLineErrors() {
    BgeVlException two = assertThrows(BgeVlException.class,
        () -> ImageMerge.layout(new int[] {1, 32000, 32000}, 32000, new int[] {88}, 100, "query 3"));
    assertEquals("query 3: the prompt has 2 <image> placeholders but 1 image was given", two.getMessage());
    BgeVlException none = assertThrows(BgeVlException.class,
        () -> ImageMerge.layout(new int[] {1, 5}, 32000, new int[] {88}, 100, "c.png"));
    assertEquals("c.png: the prompt has 0 <image> placeholders but 1 image was given", none.getMessage());
    BgeVlException longer = assertThrows(BgeVlException.class,
        () -> ImageMerge.layout(new int[] {1, 5, 32000}, 32000, new int[] {2928}, 2048, "c.png"));
    assertEquals("c.png: 2930 tokens after image expansion (2 text + 2928 image) exceed the model's 2048 positions",
        longer.getMessage());
  }
}
