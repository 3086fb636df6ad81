package org.walkbook.app

import java.time.LocalDate
import java.time.ZoneOffset
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertIs
import kotlin.test.assertNotEquals
import kotlin.test.assertNotNull
import kotlin.test.assertTrue
import kotlinx.coroutines.runBlocking
import org.walkbook.core.DoorInput
import org.walkbook.core.SyncState
import org.walkbook.core.UnitKind
import org.walkbook.core.Walkbook
import org.walkbook.core.WalkbookException
import org.walkbook.core.WalkbookListener

/** The app's flows through the Kotlin layer the screens use. */
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
            val screen = TurfModel(wb, turf.unitId)

            // Open the turf, go to the next door, talk through the script.
            val first = screen.load()
            val next = assertNotNull(first.nextDoor)
            assertEquals(first.doors.first().householdId, next)
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
            val after = screen.load()
            assertNotEquals(next, after.nextDoor, "the next door moves on")
            assertTrue(wb.openDoor(turf.id, after.nextDoor!!).send(DoorInput.Record("not_home", true)).done)
            assertFailsWith<WalkbookException.Network> { wb.syncNow() }
            val offline = syncBadge(wb.pendingUploadCount().toLong(), lastState)
            assertEquals("2 not on the server yet", offline.text)
            assertTrue(offline.contentDescription.contains("safe on this phone"))

            // Signal back: sync, and the badge reaches zero.
            signal.online = true
            wb.syncNow()
            assertEquals("All results on the server", syncBadge(wb.pendingUploadCount().toLong(), lastState).text)
            val done = screen.load()
            assertTrue(done.progressText.startsWith("2 of"), done.progressText)
            assertTrue(done.mapPoints.isNotEmpty())
        }
    }

    @Test fun a_phone_bank_session_schedules_a_call_back_and_honours_it() = runBlocking {
        val wb = Walkbook.open(TestServer.dataDir(), null)
        wb.join(TestServer.url, TestServer.invite("vol-02"))
        val list = wb.assignments().first { it.kind == UnitKind.CALL_LIST }
        val batch = wb.claimBatch(list.unitId, 10u)
        assertEquals(10, batch.personIds.size)
        val calls = CallModel(wb, list.id, list.unitId)
        // Tomorrow 10:00 in Chicago (16:00 UTC in winter, 15:00 in summer): inside calling hours.
        val tomorrow = LocalDate.now(ZoneOffset.UTC).plusDays(1)
        val base = tomorrow.atTime(16, 30).toInstant(ZoneOffset.UTC).toEpochMilli()

        val first = assertIs<CallScreenState.Contact>(calls.next(base))
        assertEquals(batch.personIds.first(), first.personId)
        val uri = calls.dialUri(first.personId, base)
        assertTrue(uri.matches(Regex("tel:\\+1\\d{10}")), uri)
        calls.record(first.personId, "call_back", 45u, callBackAtMs = base + 3_600_000)

        // Before the call-back time they do not come up again...
        val second = assertIs<CallScreenState.Contact>(calls.next(base + 60_000))
        assertNotEquals(first.personId, second.personId)
        calls.record(second.personId, "no_answer", 20u)
        assertNotEquals(first.personId, (calls.next(base + 1_800_000) as CallScreenState.Contact).personId)
        // ...and after it they come first.
        assertEquals(first.personId, (calls.next(base + 3_700_000) as CallScreenState.Contact).personId)

        // Outside calling hours the number is refused, with when to call.
        val night = tomorrow.atTime(6, 0).toInstant(ZoneOffset.UTC).toEpochMilli()
        val refused = assertFailsWith<WalkbookException.OutsideCallingHours> { calls.dialUri(second.personId, night) }
        assertTrue(refused.opensAtMs > night)
        assertIs<CallScreenState.Wait>(calls.next(night))

        wb.syncNow()
        assertEquals(0uL, wb.pendingUploadCount())
    }
}
