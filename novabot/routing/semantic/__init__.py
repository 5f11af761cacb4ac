"""The semantic scope model: TF-IDF + sentence embeddings, a logistic regression and
calibrated thresholds."""
