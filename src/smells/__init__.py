"""Performance-smell detector (RIdiom's nine non-idiomatic patterns) and the ML vs non-ML corpus study. Never imports torch."""
