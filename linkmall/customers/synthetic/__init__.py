"""Synthetic merchant worlds: generate (numpy), write CSV files, load into a merchant's tables."""

from .csvout import write_csv
from .loader import AlreadyLoaded, Catalogue, NothingToSell, load_world, merchant_catalogue
from .world import KINDS, SECTIONS, World, WorldSpec, generate

__all__ = ["KINDS", "SECTIONS", "AlreadyLoaded", "Catalogue", "NothingToSell", "World", "WorldSpec", "generate",
           "load_world", "merchant_catalogue", "write_csv"]
