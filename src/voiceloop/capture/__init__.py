"""Audio in and out: devices, speaking the question, the recorder and its crash-safe take files."""
