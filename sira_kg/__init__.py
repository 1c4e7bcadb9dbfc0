"""sira-kg: a knowledge graph of migrant and refugee integration in European regions."""

__version__ = "0.1.0"
