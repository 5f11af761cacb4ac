"""The rules a route can come from, as recorded with every routing decision."""

from enum import StrEnum


class RouteRule(StrEnum):
    EXPLICIT = "explicit"
    """`@agent` in the text, or an agent named by the adapter (`--agent`, a slash option)."""
    PIPELINE = "pipeline"
    """A pipeline's thread belongs to the pipeline agent."""
    THREAD = "thread"
    """A follow-up stays with the agent that answered last."""
    CHANNEL = "channel"
    """The channel's bound agent."""
    SEMANTIC = "semantic"
    LEXICAL = "lexical"
    """The scope matcher's best agent (the value is the matcher's name)."""
    TIEBREAK = "tiebreak"
    """The LLM chose between two agents whose scores were too close."""
    FALLBACK = "fallback"
    """No agent's scope fits: `chat` answers with a routing note."""
    DECLINED = "declined"
    """No agent's scope fits, and Nova says so itself."""
