"""`nnkit build`: everything generated from `solutions/`, the one source of truth."""
