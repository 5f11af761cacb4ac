"""Reading the web for agents: one URL fetched safely, its readable text extracted."""

from novabot.web.addresses import AddressPolicy, AddressRefused, FetchError
from novabot.web.fetch import Page, fetch_page

__all__ = ["AddressPolicy", "AddressRefused", "FetchError", "Page", "fetch_page"]
