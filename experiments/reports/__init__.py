"""Offline HTML reports: tables in, a page out; never the analysis or the runs."""
