package org.walkbook.app

import java.time.LocalDate
import java.time.ZoneOffset
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertNull
import kotlin.test.assertNotEquals
import kotlin.test.assertNotNull
import kotlin.test.assertTrue
import kotlinx.coroutines.runBlocking
import org.walkbook.core.BadgeTone
import org.walkbook.core.CallInput
import org.walkbook.core.DoorInput
import org.walkbook.core.SyncState
import org.walkbook.core.UnitKind
import org.walkbook.core.Walkbook
import org.walkbook.core.WalkbookException
import org.walkbook.core.badgeFor
import org.walkbook.core.WalkbookListener

/**
 * The app's flows through the generated Kotlin, the way the screens use it:
 * every decision comes from the Rust view models (turfScreen, openDoor,
 * openCall, badgeFor); the shells only render and forward taps.
 */
class AppFlowsTest {
    @Test fun a_canvass_shift_offline_then_synced_brings_the_badge_to_zero() = runBlocking {
        Signal.toTestServer().use { signal ->
            val wb = Walkbook.open(TestServer.dataDir(), null)
            var lastState: SyncState? = null
            wb.setListener(object : WalkbookListener {
                override fun onResultsChanged(unitId: String) {}
                override fun onSyncState(state: SyncState) { lastState = state }
            })
            wb.join(signal.url, TestServer.invite("vol-01"))
            val turf = wb.assignments().first { it.kind == UnitKind.TURF }

            // Open the turf, go to the next door, talk through the script.
            val first = wb.turfScreen(turf.unitId, null)
            val next = assertNotNull(first.nextDoor)
            assertEquals(first.doors.first().householdId, next)
            assertEquals("Not yet", first.doors.first().status)
            assertTrue(first.doors.first().description.contains(first.doors.first().address))
            val door = wb.openDoor(turf.id, next)
            val person = door.view().people.first()
            var v = door.send(DoorInput.ChoosePerson(person.id))
            assertEquals("support", v.question?.id)
            v = door.send(DoorInput.Answer("support", "5")) // strong oppose: the script branches straight to the notes
            assertEquals("notes", v.question?.id)
            door.send(DoorInput.Text("notes", "Worried about taxes"))
            assertEquals("Saved ✓ (conversation)", door.send(DoorInput.SaveConversation).saved)

            // Signal lost: record more, the sync fails in plain words, nothing is lost.
            signal.online = false
            val after = wb.turfScreen(turf.unitId, null)
            assertNotEquals(next, after.nextDoor, "the next door moves on")
            // The door shows what is left to do there: the next person, or "Talked" when we spoke to everyone.
            val talked = after.doors.first { it.householdId == next }
            assertEquals(if (talked.people == 1u) "Talked" else "Not yet", talked.status)
            assertTrue(wb.openDoor(turf.id, after.nextDoor!!).send(DoorInput.Record("not_home", true)).done)
            assertFailsWith<WalkbookException.Network> { wb.syncNow() }
            val offline = badgeFor(wb.pendingUploadCount(), lastState, "en")
            assertEquals("2 not on the server yet", offline.text)
            assertEquals(BadgeTone.PROBLEM, offline.tone)
            assertTrue(offline.description.contains("safe on this phone"))

            // Signal back: sync, the error clears and the badge reaches zero.
            signal.online = true
            wb.syncNow()
            val synced = badgeFor(wb.pendingUploadCount(), lastState, "en")
            assertEquals("All results on the server", synced.text)
            assertEquals(BadgeTone.GOOD, synced.tone)
            val done = wb.turfScreen(turf.unitId, null)
            assertTrue(done.progress.startsWith("2 of"), done.progress)
            assertTrue(done.mapPoints.isNotEmpty())
            assertEquals(done.doors.size.toUInt(), done.mapPoints.size.toUInt() + done.doorsWithoutCoordinates)
        }
    }

    @Test fun a_phone_bank_session_times_calls_schedules_a_call_back_and_honours_it() = runBlocking {
        val wb = Walkbook.open(TestServer.dataDir(), null)
        wb.join(TestServer.url, TestServer.invite("vol-02"))
        val list = wb.assignments().first { it.kind == UnitKind.CALL_LIST }
        val batch = wb.claimBatch(list.unitId, 10u)
        assertEquals(10, batch.personIds.size)
        // The last 10:30 in Chicago (16:30 UTC in winter) before now: inside calling
        // hours, and in the past so every save is a plausible time whenever the test runs.
        val now = System.currentTimeMillis()
        var day = LocalDate.now(ZoneOffset.UTC)
        if (day.atTime(16, 30).toInstant(ZoneOffset.UTC).toEpochMilli() > now) day = day.minusDays(1)
        val base = day.atTime(16, 30).toInstant(ZoneOffset.UTC).toEpochMilli()
        val calls = wb.openCall(list.id, base)

        // The caller-ID notice first; Call waits for it.
        var v = calls.view(base)
        assertTrue(v.callerIdNotice!!.contains("see your phone number"))
        assertTrue(!v.canDial)
        val first = assertNotNull(v.contact)
        assertEquals(batch.personIds.first(), first.personId)
        assertNull(calls.send(CallInput.Dial(base)).openDialler)
        calls.send(CallInput.ReadCallerIdNotice)

        // Call: the dialler opens once, the timer runs, the length is recorded.
        v = calls.send(CallInput.Dial(base))
        assertTrue(v.openDialler!!.matches(Regex("tel:\\+1\\d{10}")), v.openDialler)
        assertTrue(v.inCall)
        assertNull(calls.view(base + 45_000).openDialler)
        assertEquals("0:45", calls.view(base + 45_000).timer)
        v = calls.send(CallInput.HangUp(base + 45_000))
        assertEquals(45u, v.durationS)
        // Call back: one of the offered times, then recorded once however often it is tapped.
        val choice = v.callBackChoices.first()
        assertTrue(choice.label.startsWith("In 1 hour"), choice.label)
        calls.send(CallInput.CallBackAt(choice.atMs))
        v = calls.send(CallInput.Record("call_back", base + 50_000))
        assertEquals("Saved ✓ (Call back later)", v.saved, v.message)
        calls.send(CallInput.Record("call_back", base + 51_000))
        assertEquals(1uL, wb.pendingUploadCount())

        // Before the call-back time they do not come up again...
        v = calls.send(CallInput.Next(base + 60_000))
        val second = assertNotNull(v.contact)
        assertNotEquals(first.personId, second.personId)
        calls.send(CallInput.Dial(base + 60_000))
        calls.send(CallInput.Record("no_answer", base + 80_000))
        // ...undo corrects the last result instead of adding one...
        assertTrue(calls.send(CallInput.Undo).correcting)
        assertEquals("Saved ✓ (Wrong number)", calls.send(CallInput.Record("wrong_number", base + 90_000)).saved)
        assertNotEquals(first.personId, calls.send(CallInput.Next(base + 1_800_000)).contact?.personId)
        // ...and after it they come first.
        val later = wb.openCall(list.id, base + 3_700_000).view(base + 3_700_000)
        assertEquals(first.personId, later.contact?.personId)

        // Outside calling hours nobody is offered; the screen says when.
        val night = day.atTime(6, 0).toInstant(ZoneOffset.UTC).toEpochMilli()
        val closed = wb.openCall(list.id, night).view(night)
        assertNull(closed.contact)
        assertTrue(closed.waitUntilMs!! > night)
        assertTrue(!closed.canDial)

        wb.syncNow()
        assertEquals(0uL, wb.pendingUploadCount())
    }
}
