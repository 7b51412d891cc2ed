"""``EngineConfig``: every setting that shapes ranking and storage, with the tuned defaults
(docs/benchmarks.md says where each number comes from)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from kechuang.matching.fusion import Normalisation


@dataclass
class EngineConfig:
    """Everything that shapes ranking and storage; the defaults are the tuned ones."""

    backend: Literal["local", "milvus"] = "local"
    # milvus: "" = milvus-lite inside the index directory, a *.db path, or http(s)://…
    milvus_uri: str = ""
    milvus_token: str = ""
    milvus_collection_prefix: str = "kechuang"
    # fusion
    fusion: Literal["rrf", "weighted"] = "weighted"
    rrf_k: float = 60.0
    # with related terms (below), dev nDCG@10 at 0.4/0.6 vs 0.3/0.7: t1 0.521 vs 0.516,
    # t3 0.333 vs 0.329, NSFC 0.224 vs 0.222 (without them 0.3/0.7 was best on t1: 0.496)
    lexical_weight: float = 0.4
    dense_weight: float = 0.6
    normalisation: Normalisation = "zscore"  # first round, minmax: t1 0.496, t3 0.290
    # lexical side: field boosts (title > keywords > body), passages, words vs bigrams
    title_boost: float = 3.0
    keywords_boost: float = 2.0
    body_boost: float = 1.0
    passage_boost: float = 2.0
    # words borrowed from the nearest documents (related.py): how many neighbours, how
    # many words, and their weight (0 turns it off). t1 (kw → paper): hybrid 0.496 → 0.521
    related_boost: float = 2.0
    related_neighbours: int = 30
    related_terms: int = 80
    word_weight: float = 1.0
    bigram_weight: float = 0.5
    # candidates per side (documents), and units fetched per candidate document
    candidates: int = 200
    unit_overfetch: int = 3  # lexical side
    # dense side: large k makes HNSW (and filters) slow; Engine._dense fetches more only
    # when the units found belong to fewer documents than the query asked for
    dense_unit_overfetch: int = 1
    # a document's side score from its units: "max" (best unit) or "sum" of the best n
    passage_aggregation: Literal["max", "sum"] = "max"
    passage_top_n: int = 3
    # dense pseudo-relevance feedback (Rocchio) for queries: the query vector plus
    # feedback_weight × the mean vector of the first pass's feedback_docs best results
    # (their best-matching units), searched again and fused again; 0 turns it off
    # t3 (title → related papers) 0.294 → 0.323 nDCG@10 with these, t1 and NSFC unchanged
    feedback_docs: int = 1
    feedback_weight: float = 5.0
    # … only when the first pass is confident: the best result's dense cosine to the
    # query is at least this (e5-small's scale; see _feedback_vector)
    feedback_min_similarity: float = 0.92
    # dense index
    vector_dtype: Literal["f32", "f16"] = "f32"
    hnsw_connectivity: int = 16
    hnsw_expansion_add: int = 128
    hnsw_expansion_search: int = 96
    exact_below: int = 20_000  # exact dense search up to this many units in the index
    dense_exact_filtered_below: int = 2_000  # … or admitted by the query's filters
    dense_max_overfetch: int = 4_000  # HNSW candidates at most, for filtered searches
    # vectors changed since the HNSW base file was written, kept beside it (searched
    # exactly) until there are more than this many; then a new base file is written
    vector_delta_limit: int = 1024
    # text limits
    max_query_chars: int = 512
    max_query_tokens: int = 64
    max_doc_chars: int = 20_000
    embed_separator: str = ". "  # title, keywords and body joined for embedding
    embed_batch: int = 64
    # query vectors kept in memory per process (LRU keyed by model and text): a repeated
    # query skips the embedding (e5-small: 15–40 ms on an idle core); 0 turns it off
    query_cache_size: int = 4096
    # similar(): how many of the document's most frequent tokens form the query
    similar_tokens: int = 48
    # explanations
    snippet_chars: int = 120
    # writing
    lock_timeout: float = 60.0

    @property
    def boosts(self) -> dict[str, float]:
        return {
            "title": self.title_boost,
            "keywords": self.keywords_boost,
            "body": self.body_boost,
            "passage": self.passage_boost,
            "related": self.related_boost,
        }
