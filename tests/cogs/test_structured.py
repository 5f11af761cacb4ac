"""`validate_json`: a document checked against the user's JSON Schema, called with the
arguments a model sends (JSON text), and by the extractor in an agent turn."""

from __future__ import annotations

import json

from cogs.structured import validate_json
from novabot.agents.tools import make_tool
from novabot.app import App
from novabot.core.message import ConversationKey, Message
from tests.fakes.openai_server import Call, FakeOpenAI, Text, ToolCalls
from tests.helpers import RecordingResponder

ORDER_SCHEMA = {
    "type": "object",
    "required": ["order_number", "date", "lines"],
    "properties": {
        "order_number": {"type": "string"},
        "date": {"type": "string", "format": "date"},
        "lines": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["sku", "quantity"],
                "properties": {"sku": {"type": "string"}, "quantity": {"type": "integer"}},
            },
        },
    },
}
GOOD = {"order_number": "SO-1042", "date": "2026-11-30", "lines": [{"sku": "B-600", "quantity": 4}]}


async def check(document: object, schema: object) -> str:
    """Call the tool as a model does: both arguments are JSON text inside JSON."""
    as_text = [
        value if isinstance(value, str) else json.dumps(value) for value in (document, schema)
    ]
    arguments = json.dumps({"document": as_text[0], "schema": as_text[1]})
    return await make_tool(validate_json).call(arguments)


async def test_a_document_that_fits_is_valid() -> None:
    assert await check(GOOD, ORDER_SCHEMA) == "valid: the document matches the schema"


async def test_every_problem_is_listed_with_its_place() -> None:
    bad = {"date": "30/11/2026", "lines": [{"sku": "B-600", "quantity": "4"}, {"quantity": 1}]}
    result = await check(bad, ORDER_SCHEMA)
    assert result.splitlines() == [
        "invalid: 4 problem(s)",
        "- $: 'order_number' is a required property",
        "- $.date: '30/11/2026' is not a 'date'",
        "- $.lines[0].quantity: '4' is not of type 'integer'",
        "- $.lines[1]: 'sku' is a required property",
    ]


async def test_a_bad_schema_or_document_is_one_line() -> None:
    not_a_schema = await check(GOOD, {"type": "orders"})
    assert not_a_schema.startswith("error: the schema is not a valid JSON Schema: ")
    assert "\n" not in not_a_schema
    assert (await check("{'single': 'quotes'}", ORDER_SCHEMA)).startswith(
        "error: the document is not valid JSON: "
    )
    assert (await check(GOOD, "[1, 2]")) == (
        "error: the schema is not a valid JSON Schema: it must be an object"
    )
    remote = await check(GOOD, {"$ref": "https://example.com/order.schema.json"})
    assert remote.startswith("error: the schema refers to something it does not contain")


async def test_the_extractor_validates_what_it_extracted(app: App, fake_openai: FakeOpenAI) -> None:
    schema, document = json.dumps(ORDER_SCHEMA), json.dumps(GOOD)
    fake_openai.script(
        ToolCalls((Call("validate_json", {"document": document, "schema": schema}),)),
        Text(f"```json\n{document}\n```"),
    )
    responder = RecordingResponder()
    text = "order SO-1042 of 2026-11-30: 4x B-600. json per my schema: " + schema
    message = Message(ConversationKey("test", "C1"), text, user_id="U1", agent="extractor")
    await app.bot.handle(message, responder)
    first, second = fake_openai.requests
    assert "validate_json" in {tool["function"]["name"] for tool in first.body["tools"]}
    assert second.body["messages"][-1]["content"] == "valid: the document matches the schema"
    assert "SO-1042" in responder.texts[-1]
