"""Court mail: tracking numbers, the Russian Post tracking API, shipments and their polling."""
