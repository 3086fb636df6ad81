package org.walkbook.app

import java.util.concurrent.CopyOnWriteArrayList
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertNotNull
import kotlin.test.assertTrue
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import org.walkbook.core.AttemptInput
import org.walkbook.core.DoorStateKind
import org.walkbook.core.StatusKind
import org.walkbook.core.SyncState
import org.walkbook.core.UnitKind
import org.walkbook.core.Walkbook
import org.walkbook.core.WalkbookException
import org.walkbook.core.WalkbookListener

/** Every exported function of the FFI, through the real library and server. */
class BindingsTest {
    private class Recorder : WalkbookListener {
        val changed = CopyOnWriteArrayList<String>()
        val states = CopyOnWriteArrayList<SyncState>()
        override fun onResultsChanged(unitId: String) { changed.add(unitId) }
        override fun onSyncState(state: SyncState) { states.add(state) }
    }

    private fun joined(volunteer: String = "vol-01"): Walkbook = runBlocking {
        val wb = Walkbook.open(TestServer.dataDir(), null)
        wb.join(TestServer.url, TestServer.invite(volunteer))
        wb
    }

    @Test fun the_whole_surface_works_against_a_real_server() = runBlocking {
        val wb = Walkbook.open(TestServer.dataDir(), ByteArray(32) { 7 })
        val rec = Recorder()
        wb.setListener(rec)
        assertTrue(wb.deviceId().isNotBlank())
        val result = wb.join(TestServer.url, TestServer.invite("vol-02"))
        assertEquals("vol-02", result.volunteerId)
        val turf = wb.assignments().first { it.kind == UnitKind.TURF }
        val list = wb.assignments().first { it.kind == UnitKind.CALL_LIST }

        val doors = wb.walkList(turf.unitId, null)
        assertTrue(doors.size >= 40)
        val door = assertNotNull(wb.nextDoor(turf.unitId, null))
        assertEquals(doors.first().householdId, door.householdId)
        assertEquals(door.address, wb.household(door.householdId).address)
        val script = wb.scriptFor(turf.id, "es")
        assertTrue(script.translated)
        assertEquals("es", script.language)
        assertEquals("notes", wb.nextQuestion(turf.id, "support", "5"))
        assertTrue(wb.resultCodes(turf.id).any { it.id == "come_back" && it.needsTime })

        val person = door.people.first()
        val saved = wb.recordAttempt(turf.id, AttemptInput(person.id, null, null, mapOf("support" to "2"), "", null, null, null, null, null))
        assertEquals(listOf(turf.unitId), rec.changed.toList())
        val fixed = wb.correctAttempt(turf.id, saved.id, AttemptInput(person.id, null, null, mapOf("support" to "1"), "", null, null, null, null, null))
        assertEquals(listOf(saved.id), fixed.supersedes)
        assertEquals(StatusKind.CONTACTED, wb.walkList(turf.unitId, null).first().people.first { it.id == person.id }.status.kind)
        assertEquals("1", wb.walkList(turf.unitId, null).first().people.first { it.id == person.id }.status.answers["support"])
        assertEquals(1u, wb.turfProgress(turf.unitId).contacts)
        assertEquals(2uL, wb.pendingUploadCount())

        val queue = wb.callQueue(list.unitId)
        assertTrue(queue.isNotEmpty())
        wb.nextCall(list.unitId, null)
        val claim = wb.claimBatch(list.unitId, 5u)
        assertEquals(5, claim.personIds.size)
        assertEquals(5, wb.callQueue(list.unitId).size)
        assertEquals(5u, wb.releaseClaim(claim.claimId))

        val summary = wb.syncNow()
        assertEquals(0uL, summary.pendingUpload)
        assertEquals(0uL, wb.pendingUploadCount())
        assertTrue(rec.states.first().running)
        assertTrue(!rec.states.last().running && rec.states.last().lastError == null)

        wb.wipe()
        assertTrue(wb.assignments().isEmpty())
    }

    @Test fun an_expired_assignment_leaves_the_phone_after_its_results_upload() = runBlocking {
        val wb = joined("vol-03")
        val turf = wb.assignments().first { it.kind == UnitKind.TURF }
        val door = assertNotNull(wb.nextDoor(turf.unitId, null))
        wb.recordAttempt(turf.id, AttemptInput(null, door.householdId, "not_home", emptyMap(), "", null, null, null, null, null))
        // The phone's clock is far past every assignment's end (2100-01-01):
        // the offline timer deletes the data, the unsynced result stays.
        val gone = wb.expireAssignments(4_102_444_800_000)
        assertTrue(turf.id in gone.assignmentsRetired)
        assertEquals(1uL, gone.waitingToUpload)
        assertEquals(1uL, wb.waitingToUpload())
        assertTrue(wb.assignments().isEmpty())
        assertFailsWith<WalkbookException> { wb.walkList(turf.unitId, null) }
        // The server's clock says the assignment is still on: the sync uploads
        // the result, and the turf comes back.
        val summary = wb.syncNow()
        assertEquals(0uL, summary.pendingUpload)
        assertEquals(0uL, wb.waitingToUpload())
        assertTrue(wb.walkList(turf.unitId, null).isNotEmpty())
    }

    @Test fun a_lit_drop_goes_door_to_door_with_one_tap_each() = runBlocking {
        val wb = joined("vol-03")
        val drop = wb.assignments().first { it.litDrop }
        assertEquals(UnitKind.TURF, drop.kind)
        assertTrue(wb.assignments().count { it.litDrop } == 1, "only the lit drop is one")
        val first = assertNotNull(wb.nextDoor(drop.unitId, null))
        wb.recordAttempt(drop.id, AttemptInput(null, first.householdId, "lit_drop", emptyMap(), "", null, null, null, null, null))
        val next = assertNotNull(wb.nextDoor(drop.unitId, null))
        assertTrue(next.position > first.position, "on to the next door in walk order")
        val dropped = wb.walkList(drop.unitId, null).first { it.householdId == first.householdId }
        assertEquals(DoorStateKind.FINISHED, dropped.state)
        assertTrue(dropped.people.none { it.status.kind == StatusKind.CONTACTED }, "a flyer is not a conversation")
        assertEquals(0uL, wb.syncNow().pendingUpload)
    }

    @Test fun bad_input_arrives_as_a_readable_walkbook_exception() = runBlocking {
        val wb = joined()
        val turf = wb.assignments().first { it.kind == UnitKind.TURF }
        val person = wb.walkList(turf.unitId, null).first().people.first()
        val bad = assertFailsWith<WalkbookException.InvalidInput> {
            wb.recordAttempt(turf.id, AttemptInput(person.id, null, null, mapOf("support" to "9"), "", null, null, null, null, null))
        }
        assertTrue(bad.detail.contains("is not an answer to question support"), bad.detail)
        assertFailsWith<WalkbookException.InvalidInput> {
            wb.recordAttempt(turf.id, AttemptInput(person.id, null, "wrong_number", emptyMap(), "", null, null, null, null, null))
        }
        assertFailsWith<WalkbookException.NotFound> { wb.walkList("no-such-turf", null) }
        assertFailsWith<WalkbookException.InvalidInput> { Walkbook.open(TestServer.dataDir(), ByteArray(5)) }
        assertFailsWith<WalkbookException.InvalidInput> { wb.join("not a url", "XXXX") }
        val notJoined = Walkbook.open(TestServer.dataDir(), null)
        assertFailsWith<WalkbookException.NotJoined> { notJoined.syncNow() }
        val invite = assertFailsWith<WalkbookException.InvalidInput> {
            Walkbook.open(TestServer.dataDir(), null).join(TestServer.url, "AAAA-BBBB-CCCC")
        }
        assertTrue(invite.detail.contains("not valid"), invite.detail)
    }

    @Test fun a_panic_inside_becomes_an_internal_error_not_an_abort() {
        val wb = Walkbook.open(TestServer.dataDir(), null)
        val e = assertFailsWith<WalkbookException.Internal> { wb.debugPanic() }
        assertTrue(e.detail.contains("deliberate panic"), e.detail)
        // The library is still usable afterwards.
        assertTrue(wb.deviceId().isNotBlank())
    }

    @Test fun cancelling_a_sync_is_clean_and_loses_nothing() = runBlocking {
        Signal.toTestServer().use { signal ->
            val dir = TestServer.dataDir()
            val wb = Walkbook.open(dir, null)
            wb.join(signal.url, TestServer.invite("vol-03"))
            val turf = wb.assignments().first { it.kind == UnitKind.TURF }
            for (d in wb.walkList(turf.unitId, null).take(5)) {
                wb.recordAttempt(turf.id, AttemptInput(null, d.householdId, "not_home", emptyMap(), "", null, null, null, null, null))
            }
            signal.online = false // every connection refused: the sync retries with backoff
            val job = launch { wb.syncNow() }
            delay(300)
            job.cancel()
            job.join()
            assertTrue(job.isCancelled)
            // The store is fine and still holds every result.
            assertEquals(5uL, wb.pendingUploadCount())
            val reopened = Walkbook.open(dir, null)
            assertEquals(5uL, reopened.pendingUploadCount())
            signal.online = true
            assertEquals(0uL, wb.syncNow().pendingUpload)
        }
    }
}
