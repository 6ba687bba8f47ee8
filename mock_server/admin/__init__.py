"""The admin side: the JSON API, the rules API, wait, metrics, OpenAPI, auth and the inbox."""
