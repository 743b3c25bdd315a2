"""Write side of visits: status machine, booking, overrides, notices (one module each)."""
