"""The bad-input catalogue: every bad input gets a clear error or a reported repair."""
