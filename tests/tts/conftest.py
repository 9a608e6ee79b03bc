import sys
from pathlib import Path

# The shared audio helpers live in tests/conftest_audio.py (tests/ is not a package).
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
