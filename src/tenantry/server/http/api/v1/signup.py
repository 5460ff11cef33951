from __future__ import annotations

from fastapi import APIRouter

from tenantry.server.http.api.v1 import schemas
from tenantry.server.http.deps import Ctx
from tenantry.server.services import signup
from tenantry.server.services.commands import SignUp

public_router = APIRouter(tags=["signup"])


@public_router.post("/signup", status_code=201, response_model=schemas.UserAndOrganization)
def sign_up(ctx: Ctx, body: SignUp) -> schemas.UserAndOrganization:
    """(public) Create a user and an organization they own (admin). 403 `signup_disabled` when sign-up is off."""
    result = signup.sign_up(ctx, body)
    return schemas.UserAndOrganization(
        user=schemas.user(result.user), organization=schemas.organization(result.organization)
    )
