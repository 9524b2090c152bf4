"""Media: probing, device profiles, transcoding, health checks."""
