"""Developer and operator tools: the `leadqual` CLI and the local mode. Never bundled into a Lambda."""
