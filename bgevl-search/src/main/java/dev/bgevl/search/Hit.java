package dev.bgevl.search;

/**
 * One search result. {@code score} is the cosine similarity between the query and the item
 * (embeddings are L2-normalized, so it lies in [-1, 1]); {@code id} and {@code path} trace it back
 * to the file or JSONL record it came from. {@code metadataJson} is the record's metadata object
 * as JSON ({@code "{}"} when it had none).
 */
public record Hit(String id, String path, String text, String kind, String source, float score,
                  String metadataJson, long size, long mtime) {}
