"""rawtune: raw HTML, CSV and SQL into exactly-masked chat training shards."""

__version__ = "0.1.0"
