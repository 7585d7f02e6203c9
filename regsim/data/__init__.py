"""Data: the bundled datasets (official-images metadata, a sample trace) and what is made from them:
the official-images library, seeded generators and Docker-Hub-like search."""
