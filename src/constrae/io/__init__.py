"""Files: run folders (config.json + safetensors, never pickle), atomic writes, YAML and JSON
mappings into typed configs, data fingerprints, starting and resuming a run."""
