"""Training side of rawtune: the LoRA SFT recipe and the collators that feed it packed shards."""
