"""The shape of every error the service answers: `{"detail": "..."}`."""

from pydantic import BaseModel


class ErrorDetail(BaseModel):
    detail: str
