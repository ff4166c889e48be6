"""The web family: operators for FastAPI / Starlette / Pydantic / SQLAlchemy code, found by
shape, in the order docs/operators.md lists them. Their find functions live by what they
mutate: breakit.operators.web_http (statuses, routes, responses, exception handling) and
breakit.operators.web_data (models, validation, dependencies, queries, the session)."""

from __future__ import annotations

import libcst as cst

from breakit.operators.base import Operator
from breakit.operators.web_data import (
    constructor_keyword_dropped,
    db_commit_removed,
    db_write_removed,
    depends_removed,
    param_filter_removed,
    pydantic_constraint_removed,
    where_dropped,
)
from breakit.operators.web_http import (
    except_reraises,
    exception_handler_removed,
    raise_http_removed,
    response_model_dropped,
    returned_key_dropped,
    route_method,
    route_path_changed,
    status_code_swapped,
)

OPERATORS: tuple[Operator, ...] = (
    Operator(
        "status_code",
        "web",
        (cst.Call, cst.Assign),
        status_code_swapped,
        "an HTTP status swapped (201/204 → 200, 200 → 201, 400 → 422, other 4xx/5xx → 400)"
        " in routes, HTTPException, responses and `x.status_code = ...`",
        "raise HTTPException(status.HTTP_404_NOT_FOUND)",
        "raise HTTPException(status.HTTP_400_BAD_REQUEST)",
    ),
    Operator(
        "raise_http_removed",
        "web",
        (cst.Raise,),
        raise_http_removed,
        "a `raise HTTPException(...)` removed",
        "raise HTTPException(404, detail='not found')",
        "pass",
    ),
    Operator(
        "route_method",
        "web",
        (cst.Decorator,),
        route_method,
        "a route's HTTP method changed (get ↔ post, put → post, patch → put, delete → get)",
        '@router.delete("/{item_id}")',
        '@router.get("/{item_id}")',
    ),
    Operator(
        "route_path",
        "web",
        (cst.Decorator,),
        route_path_changed,
        "a route's path moved (`/x` appended)",
        '@router.get("/{item_id}")',
        '@router.get("/{item_id}/x")',
    ),
    Operator(
        "response_model_dropped",
        "web",
        (cst.Decorator,),
        response_model_dropped,
        "`response_model=...` dropped from a route",
        '@router.get("", response_model=list[Item])',
        '@router.get("")',
    ),
    Operator(
        "returned_key_dropped",
        "web",
        (cst.Return,),
        returned_key_dropped,
        "one key left out of a returned dict literal",
        'return {"id": item.id, "name": item.name}',
        'return {"name": item.name}',
    ),
    Operator(
        "constructor_keyword_dropped",
        "web",
        (cst.Call,),
        constructor_keyword_dropped,
        "a keyword argument left out of a model constructor (a CapWords call)",
        "row = ItemRow(name=payload.name, price=payload.price)",
        "row = ItemRow(price=payload.price)",
    ),
    Operator(
        "param_filter_removed",
        "web",
        (cst.If,),
        param_filter_removed,
        "a filter on a parameter ignored: `if <param> is not None:` (or `if <param>:`) removed",
        "if done is not None: query = query.where(Item.done == done)",
        "pass",
    ),
    Operator(
        "where_dropped",
        "web",
        (cst.Call,),
        where_dropped,
        "a query's `.where(...)` / `.filter(...)` / `.filter_by(...)` dropped",
        "select(Item).where(Item.owner == user)",
        "select(Item)",
    ),
    Operator(
        "pydantic_constraint_removed",
        "web",
        (cst.Call,),
        pydantic_constraint_removed,
        "a validation constraint dropped from Field / StringConstraints / Path / Query / con*()",
        "Field(min_length=1, max_length=200)",
        "Field(max_length=200)",
        in_annotations=True,
    ),
    Operator(
        "depends_removed",
        "web",
        (cst.Subscript, cst.Param, cst.List, cst.Tuple),
        depends_removed,
        "a `Depends(...)` dropped: from Annotated[...], a parameter default, or dependencies=[...]",
        "SessionDep = Annotated[Session, Depends(get_session)]",
        "SessionDep = Session",
        in_annotations=True,
    ),
    Operator(
        "exception_handler_removed",
        "web",
        (cst.Decorator, cst.Expr),
        exception_handler_removed,
        "an exception handler unregistered: its `@app.exception_handler(...)` or"
        " `app.add_exception_handler(...)` removed",
        "@app.exception_handler(NotFound)",
        "(decorator removed)",
    ),
    Operator(
        "except_reraises",
        "web",
        (cst.ExceptHandler,),
        except_reraises,
        "an `except SomeError:` clause's body replaced by `raise`",
        "except IntegrityError: return conflict()",
        "except IntegrityError: raise",
    ),
    Operator(
        "db_commit_removed",
        "web",
        (cst.Expr,),
        db_commit_removed,
        "a database `commit()` removed",
        "session.commit()",
        "pass",
    ),
    Operator(
        "db_write_removed",
        "web",
        (cst.Expr,),
        db_write_removed,
        "a session write removed: `.add(x)`, `.add_all(xs)`, `.delete(x)`, `.merge(x)`, `.flush()`",
        "session.add(item)",
        "pass",
    ),
)
