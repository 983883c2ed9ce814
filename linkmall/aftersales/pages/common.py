"""Helpers of the after-sales pages: domain errors in the consumer's words (`core.error_codes`)."""

from django.contrib import messages

from linkmall.core.error_codes import error_text
from linkmall.core.errors import DomainError


def flash_error(request, exc: DomainError) -> None:
    messages.error(request, error_text(exc))
