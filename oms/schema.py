"""OpenAPI pieces: the API-token authentication (imported when the app is ready), and a
post-processing hook by which every operation documents the client errors any view answers (a
bad parameter or NUL, no credentials, a missing scope, no such object, throttling)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "oms.tokens.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <key>` (or `Bearer <key>`); keys come from "
            "`manage.py oms_token NAME --scope SCOPE`.",
        }


CLIENT_ERRORS = {
    "400": "bad parameter or body; `errors` (or the body itself) names the field",
    "401": "no or invalid credentials",
    "403": "the token lacks the scope",
    "404": "no such object or page",
    "429": "throttled",
}


def document_client_errors(result, generator, request, public):
    for methods in result.get("paths", {}).values():
        for operation in methods.values():
            responses = operation.setdefault("responses", {})
            for code, description in CLIENT_ERRORS.items():
                responses.setdefault(
                    code,
                    {
                        "description": description,
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    },
                )
    return result
