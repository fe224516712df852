"""One module per verb: orchestration only (config → adapters → engine → renderer → exit code)."""
