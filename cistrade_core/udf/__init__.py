"""User-defined fields on portfolios: definitions and typed, validated values."""

from cistrade_core.udf.registry import UdfCheck, UdfField, UdfRegistry, load_fields, validate_values
from cistrade_core.udf.types import DataType, canonical

__all__ = [
    "DataType", "UdfCheck", "UdfField", "UdfRegistry", "canonical", "load_fields",
    "validate_values",
]
