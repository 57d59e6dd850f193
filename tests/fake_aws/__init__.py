"""AWS emulator (Secrets Manager, SSM Parameter Store, ECS container credentials) for
covenant-shim's integration tests and benchmarks. See README.md in this directory."""
