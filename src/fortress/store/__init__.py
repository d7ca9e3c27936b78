"""The workspace: immutable Parquet event tables plus a SQL record database."""
