"""Write side of the core ledger: every change goes through a function here."""
