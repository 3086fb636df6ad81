"""A small canvass through the Python bindings against a real walkbook-server."""

import asyncio
import os
import tempfile

import pytest

import walkbook_ffi as wb


def invite(volunteer):
    """Takes the last unused invite for the volunteer (Kotlin takes from the front)."""
    path = os.environ["WALKBOOK_TEST_INVITES_PY"]
    with open(path) as f:
        lines = [l.split() for l in f if l.strip()]
    for i in range(len(lines) - 1, -1, -1):
        if lines[i][0] == volunteer:
            code = lines.pop(i)[1]
            with open(path, "w") as f:
                f.write("".join(f"{v} {c}\n" for v, c in lines))
            return code
    raise RuntimeError(f"no invite left for {volunteer}")


def test_a_canvass_records_offline_and_syncs_to_the_server():
    async def run():
        book = wb.Walkbook.open(tempfile.mkdtemp(), None)
        joined = await book.join(os.environ["WALKBOOK_TEST_SERVER"], invite("vol-03"))
        assert joined.volunteer_id == "vol-03"
        turf = next(a for a in book.assignments() if a.kind == wb.UnitKind.TURF)
        door = book.next_door(turf.unit_id, None)
        person = door.people[0]
        script = book.script_for(turf.id, person.language)
        assert script.questions[0].id == "support"
        book.record_attempt(turf.id, wb.AttemptInput(
            person_id=person.id, household_id=None, result=None, answers={"support": "3"}, notes="",
            callback_at_ms=None, duration_s=None, lat=None, lon=None, accuracy_m=None))
        second = book.next_door(turf.unit_id, None)
        assert second.household_id != door.household_id
        assert book.pending_upload_count() == 1
        summary = await book.sync_now()
        assert summary.pending_upload == 0
        # An honest app's results are all accepted: nothing set aside.
        assert summary.refused == 0
        assert book.refused_attempts() == []
        assert book.device_id().startswith("dev-"), "the server issued the device id"
        assert book.walk_list(turf.unit_id, None)[0].people[0].status.kind == wb.StatusKind.CONTACTED

    asyncio.run(run())


def test_bad_input_raises_a_readable_error():
    book = wb.Walkbook.open(tempfile.mkdtemp(), None)
    with pytest.raises(wb.WalkbookError.NotFound):
        book.walk_list("nowhere", None)
    with pytest.raises(wb.WalkbookError.Internal) as e:
        book.debug_panic()
    assert "deliberate panic" in str(e.value)


def test_a_wrong_key_and_calls_after_wipe_are_typed_errors():
    d = tempfile.mkdtemp()
    wb.Walkbook.open(d, bytes([1] * 32)).device_id()
    with pytest.raises(wb.WalkbookError.KeyLost) as e:
        wb.Walkbook.open(d, bytes([2] * 32))
    assert "encryption key is wrong" in str(e.value)
    book = wb.Walkbook.open(tempfile.mkdtemp(), None)
    book.wipe()
    with pytest.raises(wb.WalkbookError.NotFound):
        book.walk_list("turf-1", None)


def test_a_double_tap_records_once_through_the_bindings():
    async def run():
        book = wb.Walkbook.open(tempfile.mkdtemp(), None)
        await book.join(os.environ["WALKBOOK_TEST_SERVER"], invite("vol-03"))
        turf = next(a for a in book.assignments() if a.kind == wb.UnitKind.TURF)
        door = book.next_door(turf.unit_id, None)
        tap = wb.AttemptInput(
            person_id=None, household_id=door.household_id, result="not_home", answers={}, notes="",
            callback_at_ms=None, duration_s=None, lat=None, lon=None, accuracy_m=None,
            attempt_id="0b5e7d1c-0000-4000-8000-00000000d0b1")
        first = book.record_attempt(turf.id, tap)
        second = book.record_attempt(turf.id, tap)
        assert first.id == second.id == "0b5e7d1c-0000-4000-8000-00000000d0b1"
        assert book.pending_upload_count() == 1
        # The field is optional: old call sites still work and get a fresh id.
        other = book.record_attempt(turf.id, wb.AttemptInput(
            person_id=None, household_id=door.household_id, result="not_home", answers={}, notes="",
            callback_at_ms=None, duration_s=None, lat=None, lon=None, accuracy_m=None))
        assert other.id != first.id
        assert book.pending_upload_count() == 2

    asyncio.run(run())


def test_a_join_link_is_read_and_a_tampered_one_refused():
    link = wb.read_join_link("walkbook://join?server=https%3A%2F%2Fwalkbook.example.org&code=abcd-efgh")
    assert (link.server_url, link.invite_code) == ("https://walkbook.example.org", "ABCD-EFGH")
    with pytest.raises(wb.WalkbookError.InvalidInput) as e:
        wb.read_join_link("walkbook://join?server=https://a.example&code=X&code=Y")
    assert "twice" in str(e.value)


def test_the_door_screen_view_model_records_per_person_and_once_per_tap():
    async def run():
        book = wb.Walkbook.open(tempfile.mkdtemp(), None)
        await book.join(os.environ["WALKBOOK_TEST_SERVER"], invite("vol-01"))
        turf = next(a for a in book.assignments() if a.kind == wb.UnitKind.TURF and not a.lit_drop)
        family = next(d for d in book.walk_list(turf.unit_id, None) if len(d.people) >= 2)
        screen = book.open_door(turf.id, family.household_id)
        first, second = family.people[0].id, family.people[1].id
        view = screen.send(wb.DoorInput.CHOOSE_PERSON(person_id=first))
        assert view.question.id == "support"
        screen.send(wb.DoorInput.ANSWER(question_id="support", option_id="4"))
        view = screen.send(wb.DoorInput.SAVE_CONVERSATION())
        assert view.saved == "Saved ✓ (conversation)"
        screen.send(wb.DoorInput.SAVE_CONVERSATION())
        screen.send(wb.DoorInput.CHOOSE_PERSON(person_id=second))
        view = screen.send(wb.DoorInput.RECORD(code="moved", whole_door=False))
        statuses = {p.id: p.status for p in view.people}
        assert statuses[first] == "contacted" and statuses[second] == "moved"
        assert book.pending_upload_count() == 2, "one save each; the double tap recorded nothing"
        bad = screen.send(wb.DoorInput.ANSWER(question_id="support", option_id="9"))
        assert "is not an answer" in bad.message

    asyncio.run(run())


def test_the_call_and_join_screens_decide_in_rust():
    async def run():
        book = wb.Walkbook.open(tempfile.mkdtemp(), None)
        await book.join(os.environ["WALKBOOK_TEST_SERVER"], invite("vol-02"))
        calls = next(a for a in book.assignments() if a.kind == wb.UnitKind.CALL_LIST)
        await book.claim_batch(calls.unit_id, 3)
        # The last 16:30 UTC before now (10:30 in Chicago in winter): inside
        # calling hours, and in the past so the save is a plausible time
        # whenever the test runs.
        import datetime
        utc_now = datetime.datetime.now(datetime.timezone.utc)
        at = datetime.datetime.combine(utc_now.date(), datetime.time(16, 30), datetime.timezone.utc)
        if at > utc_now:
            at -= datetime.timedelta(days=1)
        now = int(at.timestamp() * 1000)
        screen = book.open_call(calls.id, now)
        view = screen.view(now)
        assert view.caller_id_notice and not view.can_dial and view.contact
        screen.send(wb.CallInput.READ_CALLER_ID_NOTICE())
        view = screen.send(wb.CallInput.DIAL(now_ms=now))
        assert view.open_dialler.startswith("tel:+1") and view.in_call
        screen.send(wb.CallInput.HANG_UP(now_ms=now + 61_000))
        view = screen.send(wb.CallInput.RECORD(code="no_answer", now_ms=now + 62_000))
        assert view.saved == "Saved ✓ (No answer)", view.message
        assert book.pending_upload_count() == 1

    asyncio.run(run())
    link = wb.join_screen("walkbook://join?server=http%3A%2F%2Fwalkbook.example.org&code=X", "en")
    assert not link.can_join and "https://" in link.problem
    assert wb.join_screen("walkbook://join?server=https%3A%2F%2Fa.example&code=x", "en").can_join
