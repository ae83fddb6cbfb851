"""Local stand-ins for the vendors' APIs (HubSpot, ...): real HTTP, their documented shapes."""
