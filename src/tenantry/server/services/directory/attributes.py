"""Custom user attribute definitions (SPEC §4): CRUD, and keeping stored values valid
when a definition changes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from tenantry.server.context import Context
from tenantry.server.db import attribute_values
from tenantry.server.db.models import User, UserAttribute
from tenantry.server.domain.attributes import (
    MAX_DEFINITIONS,
    AttributeDefinition,
    AttributeDefinitionPatch,
    ValueRefused,
    apply_patch,
    check_definition,
    normalize_value,
)
from tenantry.server.domain.errors import (
    AlreadyExists,
    FieldError,
    IncompatibleAttributeValues,
    InvalidArgument,
    NotFound,
)
from tenantry.server.services.integration import events
from tenantry.server.services.read_models.views import AttributeView

_FIELDS = tuple(AttributeDefinition.model_fields)


@dataclass(frozen=True)
class Changed:
    attribute: AttributeView
    values_cleared: int


def _definition(row: UserAttribute) -> AttributeDefinition:
    return AttributeDefinition.model_validate({name: getattr(row, name) for name in _FIELDS})


def _view(row: UserAttribute) -> AttributeView:
    return AttributeView(_definition(row), row.created_at, row.updated_at)


def load_definitions(session: Session) -> list[AttributeDefinition]:
    """The environment's definitions in display order, for use inside a transaction."""
    rows = session.scalars(select(UserAttribute).order_by(UserAttribute.position, UserAttribute.key))
    return [_definition(row) for row in rows]


def _row(session: Session, key: str, *, for_update: bool = False) -> UserAttribute:
    stmt = select(UserAttribute).where(UserAttribute.key == key)
    row = session.scalar(stmt.with_for_update() if for_update else stmt)
    if row is None:
        raise NotFound(f"No user attribute {key!r}.")
    return row


def list_all(ctx: Context) -> list[AttributeView]:
    with ctx.uow(readonly=True) as uow:
        rows = uow.session.scalars(select(UserAttribute).order_by(UserAttribute.position, UserAttribute.key))
        return [_view(row) for row in rows]


def get(ctx: Context, key: str) -> AttributeView:
    with ctx.uow(readonly=True) as uow:
        return _view(_row(uow.session, key))


def create(ctx: Context, definition: AttributeDefinition) -> AttributeView:
    """Raises InvalidArgument (inconsistent constraints, too many definitions) and AlreadyExists (key)."""
    check_definition(definition)
    now = ctx.clock.now()
    with ctx.uow() as uow:
        session = uow.session
        if session.get(UserAttribute, definition.key) is not None:
            raise AlreadyExists(
                f"An attribute {definition.key!r} already exists.", [FieldError("key", "already_exists", "key in use")]
            )
        count, last = session.execute(select(func.count(), func.max(UserAttribute.position))).one()
        if count >= MAX_DEFINITIONS:
            raise InvalidArgument.field("key", "too_many", f"at most {MAX_DEFINITIONS} attributes can be defined")
        values = definition.model_dump()
        if values["position"] is None:
            values["position"] = 0 if last is None else last + 1
        row = UserAttribute(**values, created_at=now, updated_at=now)
        session.add(row)
        session.flush()
        view = _view(row)
        events.attribute_event(session, "user_attribute.created", view, now)
        uow.commit()
        return view


def update(ctx: Context, key: str, patch: AttributeDefinitionPatch, *, force: bool = False) -> Changed:
    """Change a definition. Stored values that would no longer be valid make it fail with
    IncompatibleAttributeValues (saying how many users hold them) unless ``force``, which
    clears exactly those values. Valid values are re-normalised for the new definition.
    Making an attribute required changes no stored profile."""
    now = ctx.clock.now()
    with ctx.uow() as uow:
        session = uow.session
        row = _row(session, key, for_update=True)
        updated = apply_patch(_definition(row), patch)
        cleared = _conform_values(session, updated, force=force)
        for name, value in updated.model_dump().items():
            setattr(row, name, value)
        if row.position is None:
            row.position = 0
        row.updated_at = now
        session.flush()
        result = Changed(_view(row), cleared)
        events.attribute_event(session, "user_attribute.updated", result.attribute, now)
        uow.commit()
        return result


def _conform_values(session: Session, definition: AttributeDefinition, *, force: bool) -> int:
    holders = session.scalars(
        select(User).where(attribute_values.has_value(session, definition.key)).with_for_update()
    ).all()
    fixes: list[tuple[User, Any]] = []
    broken: list[User] = []
    for user in holders:
        try:
            fixes.append((user, normalize_value(definition, user.custom_attributes[definition.key])))
        except ValueRefused:
            broken.append(user)
    if broken and not force:
        raise IncompatibleAttributeValues(
            f"{len(broken)} user(s) hold values of {definition.key!r} that the new definition would refuse. "
            "Fix those users, or repeat with force=true to clear their values.",
            [FieldError(definition.key, "incompatible_values", f"{len(broken)} users hold incompatible values")],
        )
    for user, value in fixes:
        if user.custom_attributes[definition.key] != value:
            user.custom_attributes = {**user.custom_attributes, definition.key: value}
    for user in broken:
        user.custom_attributes = {k: v for k, v in user.custom_attributes.items() if k != definition.key}
    return len(broken)


def holders(ctx: Context, key: str) -> int:
    """How many users hold a value for ``key`` (what deleting or tightening it would touch)."""
    with ctx.uow(readonly=True) as uow:
        _row(uow.session, key)
        stmt = select(func.count()).select_from(User).where(attribute_values.has_value(uow.session, key))
        return int(uow.session.scalar(stmt) or 0)


def holder_counts(ctx: Context) -> dict[str, int]:
    """For each definition, how many users hold a value (one pass over the users)."""
    with ctx.uow(readonly=True) as uow:
        keys = list(uow.session.scalars(select(UserAttribute.key)))
        if not keys:
            return {}
        counts = [func.sum(case((attribute_values.has_value(uow.session, key), 1), else_=0)) for key in keys]
        row = uow.session.execute(select(*counts).select_from(User)).one()
        return {key: int(count or 0) for key, count in zip(keys, row, strict=True)}


def move(ctx: Context, key: str, offset: int) -> list[AttributeView]:
    """Move a definition ``offset`` places in the display order (negative = earlier) and
    number every definition 0, 1, 2… again. Raises NotFound."""
    now = ctx.clock.now()
    with ctx.uow() as uow:
        rows = list(
            uow.session.scalars(
                select(UserAttribute).order_by(UserAttribute.position, UserAttribute.key).with_for_update()
            )
        )
        moving = next((row for row in rows if row.key == key), None)
        if moving is None:
            raise NotFound(f"No user attribute {key!r}.")
        index = rows.index(moving)
        rows.insert(max(0, min(len(rows) - 1, index + offset)), rows.pop(index))
        for position, row in enumerate(rows):
            if row.position != position:
                row.position, row.updated_at = position, now
        uow.session.flush()
        views = [_view(row) for row in rows]
        uow.commit()
        return views


def delete(ctx: Context, key: str) -> int:
    """Delete the definition and remove its values from every profile, in one transaction.
    Returns how many profiles held a value."""
    with ctx.uow() as uow:
        row = _row(uow.session, key, for_update=True)
        view = _view(row)
        removed = attribute_values.remove_everywhere(uow.session, key)
        uow.session.delete(row)
        events.attribute_event(uow.session, "user_attribute.deleted", view, ctx.clock.now())
        uow.commit()
        return removed


def parse_filters(session: Session, raw: Mapping[str, str]) -> dict[str, Any]:
    """Query filters ``custom_attributes.<key>=<text>`` as typed values, normalised like
    stored ones. Raises InvalidArgument for unknown keys and values of the wrong type."""
    if not raw:
        return {}  # nothing to check against the definitions: not read (every plain listing)
    by_key = {d.key: d for d in load_definitions(session)}
    filters: dict[str, Any] = {}
    errors: list[FieldError] = []
    for key, text in raw.items():
        field = f"custom_attributes.{key}"
        definition = by_key.get(key)
        if definition is None:
            errors.append(FieldError(field, "unknown_attribute", f"no attribute {key!r} is defined"))
            continue
        try:
            filters[key] = normalize_value(definition, text)
        except ValueRefused as refused:
            errors.append(FieldError(field, refused.code, refused.message))
    if errors:
        raise InvalidArgument("Invalid attribute filter.", errors)
    return filters


def collected_on_signup(ctx: Context) -> list[AttributeDefinition]:
    """Definitions the sign-up and invitation pages ask for, in display order."""
    with ctx.uow(readonly=True) as uow:
        return [d for d in load_definitions(uow.session) if d.collect_on_signup]


def all_definitions(ctx: Context) -> list[AttributeDefinition]:
    with ctx.uow(readonly=True) as uow:
        return load_definitions(uow.session)
