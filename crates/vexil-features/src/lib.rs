//! vexil's features: IR statement tokens, n-grams, sparse vectors, dataset writers.
