"""Offline training for leadqual: synthetic history, model fitting, ONNX export. Never bundled."""
