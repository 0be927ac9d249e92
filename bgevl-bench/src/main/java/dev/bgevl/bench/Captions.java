package dev.bgevl.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Seeded English captions in the style of COCO / BGE-VL queries, for tokenizer benchmarks. */
final class Captions {
  private static final String[] SUBJECTS = {"A man", "A woman", "Two children", "A small dog", "A black cat",
      "A group of people", "An old man", "A young girl", "A brown horse", "A red car", "A white boat", "Several birds",
      "A chef", "A skateboarder", "A surfer", "A baseball player", "A cow", "A giraffe", "An elephant", "A pizza",
      "A plate of food", "A bus", "A train", "A motorcycle", "A teddy bear", "A laptop", "A kitchen", "A bathroom"};
  private static final String[] VERBS = {"is sitting on", "is standing next to", "is riding", "is eating",
      "is holding", "is walking across", "is lying on", "is parked near", "is flying over", "is looking at",
      "is playing with", "is running through", "is jumping over", "is waiting at", "is covered with"};
  private static final String[] OBJECTS = {"a wooden bench", "the beach", "a busy street", "a green field",
      "a snowy mountain", "a kitchen table", "the sidewalk", "a large window", "a wave", "a frisbee",
      "a slice of pizza", "the train station", "a red umbrella", "a cup of coffee", "the river bank",
      "an open laptop", "a pile of books", "the traffic light", "a soccer ball", "a tall building"};
  private static final String[] TAILS = {"", " at night", " in the rain", " on a sunny day", ", while people watch",
      " near the water.", ". The sky is blue.", " in front of a crowd!", ", with trees in the background",
      " during the 2019 festival", " (photo taken in 1998)", "; it's very cold outside", " and smiling at the camera."};
  private static final String[] EDITS = {"Make the background dark, as if the camera has taken the photo at night",
      "Change the dog into a cat", "Show the same scene in winter with snow", "Remove the people from the image",
      "Find a picture with the same style but with a red car"};

  private Captions() {}

  static List<String> generate(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    List<String> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      if (r.nextInt(10) == 0) {
        out.add(EDITS[r.nextInt(EDITS.length)]);
      } else {
        out.add(SUBJECTS[r.nextInt(SUBJECTS.length)] + " " + VERBS[r.nextInt(VERBS.length)] + " "
            + OBJECTS[r.nextInt(OBJECTS.length)] + TAILS[r.nextInt(TAILS.length)]);
      }
    }
    return out;
  }

  /** Texts of made-up lowercase words that are never repeated: every word misses the BPE cache. */
  static List<String> randomWords(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    List<String> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      StringBuilder b = new StringBuilder();
      for (int w = 0, words = 6 + r.nextInt(8); w < words; w++) {
        if (w > 0) b.append(' ');
        for (int c = 0, len = 3 + r.nextInt(8); c < len; c++) b.append((char) ('a' + r.nextInt(26)));
      }
      out.add(b.toString());
    }
    return out;
  }
}
