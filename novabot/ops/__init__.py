"""Nova's own operations: token use and cost, pipelines by status, endpoint and adapter
health, and the errors in the log. Platform-free; the `ops` cog exposes it as tools."""
