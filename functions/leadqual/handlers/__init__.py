"""Lambda entry points: thin, each reads its input, calls one service, and shapes the output.

Importing this package, which every entry module does first, pauses the garbage collector for the
cold start in Lambda; `lambda_entry` resumes it (see `leadqual.cold_start`).
"""

from leadqual.cold_start import pause_collector

pause_collector()
