"""`python -m bench`: LinkMall's performance benchmarks on SQLite and PostgreSQL.

The orchestrator (`__main__`) never imports Django: each measurement runs in a child process
configured for one database, so SQLite and PostgreSQL are measured by the same code.
"""
