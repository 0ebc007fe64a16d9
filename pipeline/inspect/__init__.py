"""Look at what will be trained before spending GPU hours: samples, rejects, and a report.

`rawtune inspect` prints samples (trained text highlighted, or between visible markers when the
output is no terminal) or rejects; `rawtune report` writes one self-contained HTML page: the
funnel, rejects, lengths, packing, mix, encodings, the audit, a sample browser, training results.
"""

from pipeline.inspect.report import write_report
from pipeline.inspect.terminal import inspect_path

__all__ = ["inspect_path", "write_report"]
