"""Accuracy against labelled clips (``voiceloop eval``).

One module per job: ``sidecars`` reads the clips' ground truth, ``wer`` counts word errors,
``fillers`` matches filler events, ``memory`` measures peak memory, ``scoring`` runs and
scores the clips and pools the figures, ``tables`` prints them.
"""
