"""Reading articles (``readers``), the table schema (``schema``) and writing tables (``writers``)."""

FORMATS = ("csv", "parquet")  # the table formats a run can write
