"""Audio frames, WAV I/O, resampling and the pre-STT noise gate."""
