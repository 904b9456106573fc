"""Datasets: a generator of synthetic shape images and a reader of MNIST IDX files."""
