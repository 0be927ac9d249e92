package dev.bgevl.search.eval;

import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The composed-image-retrieval metrics, defined exactly as the reference scripts compute them, on a
 * ranking (best first) of corpus ids. All values are fractions in [0, 1] (the reference prints ×100).
 */
public final class Metrics {
  private Metrics() {}

  /**
   * CIRCO AP@k, as miccunifi/CIRCO {@code src/evaluation.py}, function {@code compute_metrics}: walk the
   * first k results; at each result that is a ground truth add (ground truths seen so far, this one
   * included) / (its 1-based position); divide the sum by min(number of ground truths, k). Fewer than k
   * results: the missing positions add nothing (the denominator is unchanged). The official script
   * rejects rankings with duplicate ids, so do we.
   */
  public static double averagePrecisionAtK(List<String> ranked, Collection<String> groundTruth, int k) {
    checkK(k);
    Set<String> gt = nonEmpty(groundTruth);
    checkUnique(ranked);
    double sum = 0;
    int hits = 0;
    for (int i = 0; i < Math.min(k, ranked.size()); i++) {
      if (gt.contains(ranked.get(i))) {
        hits++;
        sum += (double) hits / (i + 1);
      }
    }
    return sum / Math.min(gt.size(), k);
  }

  /**
   * FashionIQ Recall@k, as MegaPairs {@code eval/eval_fashioniq.py}, function {@code evaluate}: the
   * number of distinct positives among the first k results (numpy {@code intersect1d}, so duplicates
   * count once) over the number of positives. With one positive this is 1 or 0.
   */
  public static double recallAtK(List<String> ranked, Collection<String> positives, int k) {
    checkK(k);
    Set<String> pos = nonEmpty(positives);
    Set<String> found = new HashSet<>();
    for (int i = 0; i < Math.min(k, ranked.size()); i++) {
      if (pos.contains(ranked.get(i))) {
        found.add(ranked.get(i));
      }
    }
    return (double) found.size() / pos.size();
  }

  /**
   * MRR@k, as the same {@code evaluate} function: 1 / (1-based position of the first positive) when that
   * position is at most k, else 0.
   */
  public static double reciprocalRankAtK(List<String> ranked, Collection<String> positives, int k) {
    checkK(k);
    Set<String> pos = nonEmpty(positives);
    for (int i = 0; i < Math.min(k, ranked.size()); i++) {
      if (pos.contains(ranked.get(i))) {
        return 1.0 / (i + 1);
      }
    }
    return 0;
  }

  /**
   * CIRR Recall@k of one query: 1 when the target is among the first k results of a ranking from which
   * the reference image was removed, else 0 (SEARLE {@code src/validate.py},
   * {@code cirr_compute_val_metrics}; CIRPLANT {@code model/OSCAR/OSCAR_CIRPLANT.py},
   * {@code eval_test_scoring_step_CIRR}, with the hard target). The reference is removed here too, so
   * passing an unfiltered ranking gives the same value.
   */
  public static double cirrRecallAtK(List<String> ranked, String reference, String target, int k) {
    checkK(k);
    int seen = 0;
    for (String id : ranked) {
      if (id.equals(reference)) {
        continue;
      }
      if (seen++ >= k) {
        break;
      }
      if (id.equals(target)) {
        return 1;
      }
    }
    return 0;
  }

  /**
   * The CIRR subset ranking: the ranking restricted to the query's image set, reference removed (same
   * sources; {@code group_mask} in SEARLE, the {@code in all_set_member_idx} filter in CIRPLANT).
   */
  public static List<String> subsetRanking(List<String> ranked, Collection<String> members, String reference) {
    Set<String> m = new HashSet<>(members);
    return ranked.stream().filter(id -> m.contains(id) && !id.equals(reference)).toList();
  }

  /** CIRR Recall_subset@k of one query: the target among the first k of {@link #subsetRanking}. */
  public static double cirrSubsetRecallAtK(List<String> ranked, Collection<String> members, String reference,
      String target, int k) {
    return cirrRecallAtK(subsetRanking(ranked, members, reference), reference, target, k);
  }

  /** Mean of per-query values (numpy {@code mean}); NaN for no queries, as numpy gives. */
  public static double mean(double[] values) {
    double s = 0;
    for (double v : values) {
      s += v;
    }
    return values.length == 0 ? Double.NaN : s / values.length;
  }

  private static void checkK(int k) {
    if (k < 1) {
      throw new IllegalArgumentException("k must be at least 1, got " + k);
    }
  }

  private static Set<String> nonEmpty(Collection<String> ids) {
    if (ids == null || ids.isEmpty()) {
      throw new IllegalArgumentException("a query without ground truth has no defined score");
    }
    return new HashSet<>(ids);
  }

  private static void checkUnique(List<String> ranked) {
    if (new HashSet<>(ranked).size() != ranked.size()) {
      throw new IllegalArgumentException("the ranking has duplicate ids");
    }
  }
}
