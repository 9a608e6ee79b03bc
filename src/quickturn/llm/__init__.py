"""Chat clients (embedded llama.cpp, OpenAI-compatible HTTP), their events, and chat context."""
