"""The model and how it trains: config, autoencoder, encoders, activations, objective, trainer,
metrics, plug-in registries and the scikit-learn estimator."""
