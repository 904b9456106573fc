"""Phase 2 of the seed project: binary codes, their training, logic rules on them."""
