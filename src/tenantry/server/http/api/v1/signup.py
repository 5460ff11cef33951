from __future__ import annotations

from fastapi import Request

from tenantry.server.http.api.v1 import routers, schemas
from tenantry.server.http.deps import Ctx
from tenantry.server.http.pages.web import address
from tenantry.server.services.commands import SignUp
from tenantry.server.services.identity import signup

public_router = routers.public("signup")


@public_router.post("/signup", status_code=201, response_model=schemas.UserAndOrganization)
def sign_up(ctx: Ctx, body: SignUp, request: Request) -> schemas.UserAndOrganization:
    """(public) Create a user and an organization they own (admin). 403 `signup_disabled` when sign-up is off;
    429 `rate_limited` (with Retry-After) after too many sign-ups from one address."""
    ctx.limiter.check("signup", address(request), body.email)
    ctx.limiter.hit("signup", address(request), body.email)
    result = signup.sign_up(ctx, body)
    return schemas.UserAndOrganization(
        user=schemas.user(result.user), organization=schemas.organization(result.organization)
    )
