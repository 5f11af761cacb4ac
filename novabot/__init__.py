"""Nova: a personal multi-agent AI system that lives in chat."""

__version__ = "0.1.0"
