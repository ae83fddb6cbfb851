"""Lambda entry points: thin, each reads its input, calls one service, and shapes the output."""
