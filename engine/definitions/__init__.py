"""Process definitions: validating, deploying, versioning, loading, diffing."""
