"""The web operators, each on a small FastAPI / Pydantic / SQLAlchemy snippet: before and after."""

from __future__ import annotations

from breakit.core.model import Mutant
from breakit.mutants.operators import mutants_for_source
from breakit.mutants.operators.web_http import swapped_status
from tests.operator_cases import code, mutants_of

PATH = "app/routes.py"


def mutants(source: str, operator: str) -> list[Mutant]:
    return mutants_of(source, operator, PATH)


def assert_mutants(operator: str, before: str, *afters: str) -> list[Mutant]:
    """`operator` makes exactly the mutants `afters` of `before`, in this order."""
    found = mutants(before, operator)
    assert [m.changes[PATH] for m in found] == [code(after) for after in afters]
    assert all(m.origin == operator for m in found)
    assert all(m.id.startswith(f"app.routes:{operator}:") for m in found)
    return found


def where(mutant: Mutant) -> tuple[int, int, int, int]:
    loc = mutant.location
    assert loc is not None and loc.path == PATH
    return (loc.start_line, loc.start_column, loc.end_line, loc.end_column)


def test_status_table():
    assert [swapped_status(code) for code in (200, 201, 204, 302, 400, 401, 403, 404)] == [
        201,
        200,
        200,
        200,
        422,
        403,
        401,
        400,
    ]
    assert [swapped_status(code) for code in (409, 413, 422, 500, 503)] == [400] * 5


def test_status_code_in_routes_exceptions_responses_and_assignments():
    found = assert_mutants(
        "status_code",
        """
        @router.post("", status_code=status.HTTP_201_CREATED)
        def create(response):
            response.status_code = 202
            if missing:
                raise HTTPException(404, detail="gone")
            return JSONResponse({"a": 1}, status.HTTP_422_UNPROCESSABLE_CONTENT)
        """,
        """
        @router.post("", status_code=status.HTTP_200_OK)
        def create(response):
            response.status_code = 202
            if missing:
                raise HTTPException(404, detail="gone")
            return JSONResponse({"a": 1}, status.HTTP_422_UNPROCESSABLE_CONTENT)
        """,
        """
        @router.post("", status_code=status.HTTP_201_CREATED)
        def create(response):
            response.status_code = 200
            if missing:
                raise HTTPException(404, detail="gone")
            return JSONResponse({"a": 1}, status.HTTP_422_UNPROCESSABLE_CONTENT)
        """,
        """
        @router.post("", status_code=status.HTTP_201_CREATED)
        def create(response):
            response.status_code = 202
            if missing:
                raise HTTPException(400, detail="gone")
            return JSONResponse({"a": 1}, status.HTTP_422_UNPROCESSABLE_CONTENT)
        """,
        """
        @router.post("", status_code=status.HTTP_201_CREATED)
        def create(response):
            response.status_code = 202
            if missing:
                raise HTTPException(404, detail="gone")
            return JSONResponse({"a": 1}, status.HTTP_400_BAD_REQUEST)
        """,
    )
    assert [m.title for m in found] == [
        "status 201 → 200",
        "status 202 → 200",
        "status 404 → 400",
        "status 422 → 400",
    ]
    assert where(found[0]) == (1, 30, 1, 52)
    assert where(found[2]) == (5, 29, 5, 31)
    assert found[0].replacement == "status.HTTP_200_OK"


def test_status_code_leaves_other_numbers_alone():
    assert mutants("x = f(404)\ny = Thing(status_code=7)\nz = 201\n", "status_code") == []


def test_raise_http_removed():
    found = assert_mutants(
        "raise_http_removed",
        """
        def get(item):
            if item is None:
                raise HTTPException(
                    404, detail="not found"
                ) from None
            raise ValueError("other")
        """,
        """
        def get(item):
            if item is None:
                pass
            raise ValueError("other")
        """,
    )
    assert where(found[0]) == (3, 9, 5, 19)


def test_route_method_and_path():
    before = """
    @router.get("/{item_id}", response_model=Item)
    def read(item_id: int): ...


    @app.delete(path="/items/")
    def remove(): ...


    @cache.get
    def not_a_route(): ...
    """
    found = assert_mutants(
        "route_method",
        before,
        """
        @router.post("/{item_id}", response_model=Item)
        def read(item_id: int): ...


        @app.delete(path="/items/")
        def remove(): ...


        @cache.get
        def not_a_route(): ...
        """,
        """
        @router.get("/{item_id}", response_model=Item)
        def read(item_id: int): ...


        @app.get(path="/items/")
        def remove(): ...


        @cache.get
        def not_a_route(): ...
        """,
    )
    assert [m.title for m in found] == ["`.get` → `.post`", "`.delete` → `.get`"]
    assert where(found[1]) == (5, 2, 5, 27)
    found = assert_mutants(
        "route_path",
        before,
        """
        @router.get("/{item_id}/x", response_model=Item)
        def read(item_id: int): ...


        @app.delete(path="/items/")
        def remove(): ...


        @cache.get
        def not_a_route(): ...
        """,
        """
        @router.get("/{item_id}", response_model=Item)
        def read(item_id: int): ...


        @app.delete(path="/items/x")
        def remove(): ...


        @cache.get
        def not_a_route(): ...
        """,
    )
    assert found[0].title == "route path '/{item_id}' → '/{item_id}/x'"


def test_response_model_dropped_keeps_the_commas_right():
    assert_mutants(
        "response_model_dropped",
        """
        @router.get("", response_model=list[Item])
        def a(): ...
        @router.post(
            "",
            response_model=Item,
            status_code=201,
        )
        def b(): ...
        """,
        """
        @router.get("")
        def a(): ...
        @router.post(
            "",
            response_model=Item,
            status_code=201,
        )
        def b(): ...
        """,
        """
        @router.get("", response_model=list[Item])
        def a(): ...
        @router.post(
            "",
            status_code=201,
        )
        def b(): ...
        """,
    )


def test_returned_key_dropped():
    found = assert_mutants(
        "returned_key_dropped",
        """
        def f(item):
            data = {"keep": 1}
            return {"id": item.id, **extra, "name": item.name}
        """,
        """
        def f(item):
            data = {"keep": 1}
            return {**extra, "name": item.name}
        """,
        """
        def f(item):
            data = {"keep": 1}
            return {"id": item.id, **extra}
        """,
    )
    assert found[0].title == 'key "id" dropped from the returned dict'
    assert where(found[0]) == (3, 12, 3, 54)


def test_constructor_keyword_dropped_skips_exceptions_constraints_and_decorators():
    found = assert_mutants(
        "constructor_keyword_dropped",
        """
        @router.get("", response_model=Item)
        def f(payload):
            row = ItemRow(name=payload.name, price=payload.price)
            lower = make_row(name="x")
            error = HTTPException(404, detail="x")
            field = Field(default=1)
            return row
        """,
        """
        @router.get("", response_model=Item)
        def f(payload):
            row = ItemRow(price=payload.price)
            lower = make_row(name="x")
            error = HTTPException(404, detail="x")
            field = Field(default=1)
            return row
        """,
        """
        @router.get("", response_model=Item)
        def f(payload):
            row = ItemRow(name=payload.name)
            lower = make_row(name="x")
            error = HTTPException(404, detail="x")
            field = Field(default=1)
            return row
        """,
    )
    assert found[0].title == "`name=` dropped from ItemRow(...)"


def test_param_filter_removed_only_for_parameters():
    found = assert_mutants(
        "param_filter_removed",
        """
        def list_items(session, done=None, q=None):
            query = select(Item)
            local = None
            if done is not None:
                query = query.where(Item.done == done)
            if q:
                query = query.where(Item.name.contains(q))
            if local is not None:
                query = query.limit(1)
            if q is not None:
                pass
            else:
                query = query.limit(2)
            return query
        """,
        """
        def list_items(session, done=None, q=None):
            query = select(Item)
            local = None
            pass
            if q:
                query = query.where(Item.name.contains(q))
            if local is not None:
                query = query.limit(1)
            if q is not None:
                pass
            else:
                query = query.limit(2)
            return query
        """,
        """
        def list_items(session, done=None, q=None):
            query = select(Item)
            local = None
            if done is not None:
                query = query.where(Item.done == done)
            pass
            if local is not None:
                query = query.limit(1)
            if q is not None:
                pass
            else:
                query = query.limit(2)
            return query
        """,
    )
    assert where(found[0]) == (4, 5, 5, 46)
    assert found[0].title == "the `if done is not None:` block removed"


def test_where_dropped():
    assert_mutants(
        "where_dropped",
        """
        rows = session.scalars(select(Item).where(Item.owner == user).order_by(Item.id))
        kept = filter(None, rows)
        """,
        """
        rows = session.scalars(select(Item).order_by(Item.id))
        kept = filter(None, rows)
        """,
    )


def test_pydantic_constraint_removed_also_inside_annotations():
    found = assert_mutants(
        "pydantic_constraint_removed",
        """
        Title = Annotated[str, StringConstraints(strip_whitespace=True, max_length=9)]


        def f(q: Annotated[str, Query(min_length=2, alias="query")] = "x"):
            return Field(default=1, gt=0)
        """,
        """
        Title = Annotated[str, StringConstraints(max_length=9)]


        def f(q: Annotated[str, Query(min_length=2, alias="query")] = "x"):
            return Field(default=1, gt=0)
        """,
        """
        Title = Annotated[str, StringConstraints(strip_whitespace=True)]


        def f(q: Annotated[str, Query(min_length=2, alias="query")] = "x"):
            return Field(default=1, gt=0)
        """,
        """
        Title = Annotated[str, StringConstraints(strip_whitespace=True, max_length=9)]


        def f(q: Annotated[str, Query(alias="query")] = "x"):
            return Field(default=1, gt=0)
        """,
        """
        Title = Annotated[str, StringConstraints(strip_whitespace=True, max_length=9)]


        def f(q: Annotated[str, Query(min_length=2, alias="query")] = "x"):
            return Field(default=1)
        """,
    )
    assert found[2].title == "`min_length=2` dropped from Query(...)"
    assert where(found[2]) == (4, 25, 4, 58)


def test_depends_removed_from_annotated_defaults_and_dependency_lists():
    found = assert_mutants(
        "depends_removed",
        """
        SessionDep = Annotated[Session, Depends(get_session)]


        @router.get("", dependencies=[Depends(auth), Depends(audit)])
        def f(user: Annotated[User, Depends(current), "doc"], db=Depends(get_db)): ...
        """,
        """
        SessionDep = Session


        @router.get("", dependencies=[Depends(auth), Depends(audit)])
        def f(user: Annotated[User, Depends(current), "doc"], db=Depends(get_db)): ...
        """,
        """
        SessionDep = Annotated[Session, Depends(get_session)]


        @router.get("", dependencies=[Depends(audit)])
        def f(user: Annotated[User, Depends(current), "doc"], db=Depends(get_db)): ...
        """,
        """
        SessionDep = Annotated[Session, Depends(get_session)]


        @router.get("", dependencies=[Depends(auth)])
        def f(user: Annotated[User, Depends(current), "doc"], db=Depends(get_db)): ...
        """,
        """
        SessionDep = Annotated[Session, Depends(get_session)]


        @router.get("", dependencies=[Depends(auth), Depends(audit)])
        def f(user: Annotated[User, "doc"], db=Depends(get_db)): ...
        """,
        """
        SessionDep = Annotated[Session, Depends(get_session)]


        @router.get("", dependencies=[Depends(auth), Depends(audit)])
        def f(user: Annotated[User, Depends(current), "doc"], db): ...
        """,
    )
    assert found[0].title == "`Depends(get_session)` dropped"


def test_depends_removed_drops_candidates_that_would_not_compile():
    source = code("def f(a=1, db=Depends(get_db), b=2): ...\n")
    discovery = mutants_for_source(source, PATH, operators=["depends_removed"])
    assert discovery.mutants == ()
    assert discovery.uncompilable == 1  # `def f(a=1, db, b=2)` is a SyntaxError


def test_exception_handler_removed():
    found = assert_mutants(
        "exception_handler_removed",
        """
        app = FastAPI()
        app.add_exception_handler(NotFound, not_found)


        # Every NotFound becomes a 404.
        @app.exception_handler(NotFound)
        @traced
        async def handler(request, exc):
            return JSONResponse({"detail": str(exc)}, status_code=404)
        """,
        """
        app = FastAPI()
        pass


        # Every NotFound becomes a 404.
        @app.exception_handler(NotFound)
        @traced
        async def handler(request, exc):
            return JSONResponse({"detail": str(exc)}, status_code=404)
        """,
        """
        app = FastAPI()
        app.add_exception_handler(NotFound, not_found)


        # Every NotFound becomes a 404.
        @traced
        async def handler(request, exc):
            return JSONResponse({"detail": str(exc)}, status_code=404)
        """,
    )
    assert found[1].title == "`@app.exception_handler(NotFound)` removed"
    assert found[1].replacement == ""
    assert where(found[1]) == (6, 1, 6, 32)


def test_except_reraises():
    found = assert_mutants(
        "except_reraises",
        """
        try:
            save()
        except IntegrityError as exc:
            # Conflicts are the caller's problem.
            rollback()
            raise Conflict() from exc
        except KeyError: pass
        except ValueError:
            raise
        except:
            cleanup()
        """,
        """
        try:
            save()
        except IntegrityError as exc:
            raise
        except KeyError: pass
        except ValueError:
            raise
        except:
            cleanup()
        """,
        """
        try:
            save()
        except IntegrityError as exc:
            # Conflicts are the caller's problem.
            rollback()
            raise Conflict() from exc
        except KeyError: raise
        except ValueError:
            raise
        except:
            cleanup()
        """,
    )
    assert where(found[0]) == (3, 1, 6, 29)
    assert found[0].title == "`except IntegrityError:` body → `raise`"


DB_SOURCE = """
async def create(session, payload, tags):
    row = Row(name=payload.name)
    session.add(row)
    session.add_all(tags)
    session.flush()
    session.commit()
    seen.add(row, extra)
    session.delete(row)
    await session.commit()
    return row
"""


def test_db_commit_removed():
    found = mutants(DB_SOURCE, "db_commit_removed")
    assert [where(m) for m in found] == [(6, 5, 6, 20), (9, 5, 9, 26)]
    assert [m.title for m in found] == [
        "`session.commit()` → `pass`",
        "`await session.commit()` → `pass`",
    ]
    assert found[0].changes[PATH] == code(DB_SOURCE).replace("    session.commit()", "    pass")


def test_db_write_removed():
    found = mutants(DB_SOURCE, "db_write_removed")
    assert [m.location.start_line for m in found] == [3, 4, 5, 8]  # not `seen.add(row, extra)`
    assert found[0].changes[PATH] == code(DB_SOURCE).replace("session.add(row)", "pass")


def test_web_and_generic_statement_removals_never_duplicate():
    everything = mutants_for_source(code(DB_SOURCE), PATH).mutants
    texts = [m.changes[PATH] for m in everything]
    assert len(texts) == len(set(texts))
    removed = {m.location.start_line: m.origin for m in everything if m.replacement == "pass"}
    assert removed == {
        3: "db_write_removed",
        4: "db_write_removed",
        5: "db_write_removed",
        6: "db_commit_removed",
        7: "call_removed",
        8: "db_write_removed",
        9: "db_commit_removed",
    }
