"""Weather from the Korea Meteorological Administration: the forecast grid, KMA's replies, the
HTTP client, and the rules that make weather a reason to look at a camera (docs/weather.md)."""
