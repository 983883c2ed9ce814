"""Views of the project shell (no business code)."""

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from linkmall.core.api import error_body


@csrf_exempt  # a POST to a path that does not exist must answer 404, not a CSRF 403
def api_not_found(request: HttpRequest, *args: object, **kwargs: object) -> JsonResponse:
    """Any /api/ path no router answers: the JSON 404 the API clients understand."""
    return JsonResponse(error_body("not_found", "No such API endpoint.", {"path": request.path}), status=404)
