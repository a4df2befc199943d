"""Schemas: the resolved model and its Cedar-syntax and JSON forms."""

from .model import ActionDef, EntityTypeDef, Schema

__all__ = ["ActionDef", "EntityTypeDef", "Schema"]
