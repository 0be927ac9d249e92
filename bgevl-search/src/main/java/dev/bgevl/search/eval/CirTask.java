package dev.bgevl.search.eval;

import java.nio.file.Path;
import java.util.List;

/**
 * One composed-image-retrieval task: queries (reference image + text) searched against a corpus of
 * images. A dataset is one task (CIRCO, CIRR) or several (FashionIQ: one per category).
 *
 * @param name e.g. {@code circo}, {@code dress}
 * @param corpus gallery images in file order (ties rank by this order)
 */
public record CirTask(String name, List<Image> corpus, List<Query> queries) {

  /** A gallery image. */
  public record Image(String id, Path path) {}

  /**
   * A query.
   *
   * @param id query id (CIRCO {@code id}, CIRR {@code pairid}, FashionIQ line number)
   * @param referenceId the reference image's corpus id (null if it is not in the corpus)
   * @param groundTruth positives (CIRCO {@code gt_img_ids}, CIRR {@code [target_hard]}, FashionIQ
   *     {@code [target]}); empty where the split's labels are private
   * @param target CIRCO {@code target_img_id} / CIRR {@code target_hard}; null when private
   * @param members CIRR {@code img_set.members}; empty elsewhere
   */
  public record Query(String id, Path image, String referenceId, String text, List<String> groundTruth,
      String target, List<String> members) {}

  public boolean labeled() {
    return queries.stream().allMatch(q -> !q.groundTruth().isEmpty());
  }
}
