"""Nova's HTTP API: OpenAI's chat completions over Nova's agents, for websites and programs.

An adapter like Slack's: it turns a request into a `Message` and a `Responder` and hands
them to the bot core, so an API answer takes the same path (inbox, routing, history,
project knowledge, outbox) as any chat message.
"""
