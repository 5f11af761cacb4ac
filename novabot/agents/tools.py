"""Tools: plain async functions an agent's model may call.

The JSON-schema parameters come from the function's type hints (or from a single pydantic
model parameter), so a cog author writes an ordinary typed function and nothing else.
"""

from __future__ import annotations

import functools
import inspect
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, get_type_hints

from pydantic import BaseModel, ValidationError, create_model

log = logging.getLogger(__name__)

ToolFunc = Callable[..., Awaitable[Any]]


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    arguments: type[BaseModel]
    func: ToolFunc
    takes_model: bool
    """True when the function takes one pydantic model rather than keyword arguments."""

    def schema(self) -> dict[str, Any]:
        """The tool as the chat-completions API expects it (built once: it is sent often)."""
        return _schema(self.name, self.description, self.arguments)

    async def call(self, raw_arguments: str) -> str:
        """Run the tool on the model's JSON arguments; failures become text for the model.

        The model reads the result, so a bad argument or a crash is reported back to it
        (it can correct itself) instead of ending the user's turn.
        """
        try:
            parsed = json.loads(raw_arguments or "{}")
            arguments = self.arguments.model_validate(parsed)
        except (json.JSONDecodeError, ValidationError) as exc:
            return f"error: invalid arguments for {self.name}: {exc}"
        try:
            if self.takes_model:
                result = await self.func(arguments)
            else:
                result = await self.func(**dict(arguments))
        except Exception as exc:
            log.exception("tool %s failed", self.name)
            return f"error: {self.name} failed: {exc}"
        return result if isinstance(result, str) else json.dumps(result, default=str)


def make_tool(func: ToolFunc, *, name: str | None = None, description: str | None = None) -> Tool:
    """Describe an async function as a tool, its parameters taken from its type hints."""
    if not inspect.iscoroutinefunction(func):
        raise TypeError(f"tool {func.__name__} must be an async function")
    hints = get_type_hints(func, include_extras=True)
    params = [p for p in inspect.signature(func).parameters.values() if p.name != "self"]
    doc = inspect.getdoc(func) or ""
    summary = description or doc.split("\n\n")[0].replace("\n", " ").strip() or func.__name__
    tool_name = name or func.__name__
    single = params[0] if len(params) == 1 else None
    if single and _is_model(hints.get(single.name)):
        return Tool(tool_name, summary, hints[single.name], func, takes_model=True)
    fields: dict[str, Any] = {}
    for param in params:
        if param.name not in hints:
            raise TypeError(f"tool {tool_name}: parameter '{param.name}' needs a type hint")
        default = ... if param.default is inspect.Parameter.empty else param.default
        fields[param.name] = (hints[param.name], default)
    model = create_model(f"{tool_name}_arguments", **fields)
    return Tool(tool_name, summary, model, func, takes_model=False)


@functools.cache
def _schema(name: str, description: str, arguments: type[BaseModel]) -> dict[str, Any]:
    parameters = arguments.model_json_schema()
    parameters.pop("title", None)
    return {
        "type": "function",
        "function": {"name": name, "description": description, "parameters": parameters},
    }


def _is_model(annotation: object) -> bool:
    return inspect.isclass(annotation) and issubclass(annotation, BaseModel)
