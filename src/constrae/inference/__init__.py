"""Inference: model inputs in, codes out, by one interface over every backend.

``Encoder`` is the interface, ``make_encoder`` picks a backend (torch, numpy, onnx,
int8) for a trained model, and ``FeatureExtractor`` puts a run's stored
preprocessing in front of it: recordings or filtered windows in, codes out.
"""
