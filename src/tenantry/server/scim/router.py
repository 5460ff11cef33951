"""``/scim/v2/{directory_id}``: each directory's SCIM 2.0 endpoints (RFC 7644), the paths.
What they do is in ``endpoints.py``, imported at the first SCIM request: it loads
scim2-models, which took a fifth of ``tenantry serve``'s start-up (issue 17).
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from tenantry.server.scim.route import ScimRoute

router = APIRouter(prefix="/scim/v2/{directory_id}", route_class=ScimRoute, include_in_schema=False)


@router.get("/ServiceProviderConfig")
async def service_provider_config(request: Request, directory_id: str) -> JSONResponse:
    from tenantry.server.scim import endpoints

    return await endpoints.service_provider_config(request, directory_id)


@router.get("/Schemas")
async def schemas(request: Request, directory_id: str) -> JSONResponse:
    from tenantry.server.scim import endpoints

    return await endpoints.schemas(request, directory_id)


@router.get("/Schemas/{schema_id}")
async def schema(request: Request, directory_id: str, schema_id: str) -> JSONResponse:
    from tenantry.server.scim import endpoints

    return await endpoints.schema(request, directory_id, schema_id)


@router.get("/ResourceTypes")
async def resource_types(request: Request, directory_id: str) -> JSONResponse:
    from tenantry.server.scim import endpoints

    return await endpoints.resource_types(request, directory_id)


@router.get("/ResourceTypes/{type_id}")
async def resource_type(request: Request, directory_id: str, type_id: str) -> JSONResponse:
    from tenantry.server.scim import endpoints

    return await endpoints.resource_type(request, directory_id, type_id)


@router.get("/Users")
async def list_users(request: Request, directory_id: str) -> JSONResponse:
    from tenantry.server.scim import endpoints

    return await endpoints.list_users(request, directory_id)


@router.post("/Users/.search")
async def search_users(request: Request, directory_id: str) -> JSONResponse:
    from tenantry.server.scim import endpoints

    return await endpoints.search_users(request, directory_id)


@router.post("/Users")
async def create_user(request: Request, directory_id: str) -> JSONResponse:
    from tenantry.server.scim import endpoints

    return await endpoints.create_user(request, directory_id)


@router.get("/Users/{user_id}")
async def get_user(request: Request, directory_id: str, user_id: str) -> JSONResponse:
    from tenantry.server.scim import endpoints

    return await endpoints.get_user(request, directory_id, user_id)


@router.put("/Users/{user_id}")
async def replace_user(request: Request, directory_id: str, user_id: str) -> JSONResponse:
    from tenantry.server.scim import endpoints

    return await endpoints.replace_user(request, directory_id, user_id)


@router.patch("/Users/{user_id}")
async def patch_user(request: Request, directory_id: str, user_id: str) -> JSONResponse:
    from tenantry.server.scim import endpoints

    return await endpoints.patch_user(request, directory_id, user_id)


@router.delete("/Users/{user_id}", status_code=204)
async def delete_user(request: Request, directory_id: str, user_id: str) -> Response:
    from tenantry.server.scim import endpoints

    return await endpoints.delete_user(request, directory_id, user_id)


@router.get("/Groups")
async def list_groups(request: Request, directory_id: str) -> JSONResponse:
    from tenantry.server.scim import endpoints

    return await endpoints.list_groups(request, directory_id)


@router.post("/Groups/.search")
async def search_groups(request: Request, directory_id: str) -> JSONResponse:
    from tenantry.server.scim import endpoints

    return await endpoints.search_groups(request, directory_id)


@router.post("/Groups")
async def create_group(request: Request, directory_id: str) -> JSONResponse:
    from tenantry.server.scim import endpoints

    return await endpoints.create_group(request, directory_id)


@router.get("/Groups/{group_id}")
async def get_group(request: Request, directory_id: str, group_id: str) -> JSONResponse:
    from tenantry.server.scim import endpoints

    return await endpoints.get_group(request, directory_id, group_id)


@router.put("/Groups/{group_id}")
async def replace_group(request: Request, directory_id: str, group_id: str) -> JSONResponse:
    from tenantry.server.scim import endpoints

    return await endpoints.replace_group(request, directory_id, group_id)


@router.patch("/Groups/{group_id}")
async def patch_group(request: Request, directory_id: str, group_id: str) -> JSONResponse:
    from tenantry.server.scim import endpoints

    return await endpoints.patch_group(request, directory_id, group_id)


@router.delete("/Groups/{group_id}", status_code=204)
async def delete_group(request: Request, directory_id: str, group_id: str) -> Response:
    from tenantry.server.scim import endpoints

    return await endpoints.delete_group(request, directory_id, group_id)


@router.api_route("/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
async def elsewhere(request: Request, directory_id: str, rest: str) -> JSONResponse:
    """A SCIM 404 for an unknown path, a SCIM 405 for a method a known path does not serve
    (``.search`` on the root is not offered: 501, as RFC 7644 §3.4.3 allows)."""
    from tenantry.server.scim import endpoints

    return await endpoints.elsewhere(request, directory_id, rest)
