"""The exchange directory: regions, cities, partnerships, sectors, counterparts, glossary."""
