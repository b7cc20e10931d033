"""The LLM generator (vLLM offline or OpenAI-compatible servers)."""
