"""Physics baselines of the radio-map task (no training): free-space path loss and a
COST-231-style multi-wall model."""
