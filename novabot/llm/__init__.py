"""The LLM client: any OpenAI-compatible endpoint, with tool calls and token accounting."""
