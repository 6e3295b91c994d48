"""voiceloop: a local, offline spoken mock-interview coach."""

__version__ = "0.3.0"
