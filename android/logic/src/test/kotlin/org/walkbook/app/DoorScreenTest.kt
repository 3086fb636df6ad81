package org.walkbook.app

import java.util.concurrent.CopyOnWriteArrayList
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue
import kotlinx.coroutines.runBlocking
import org.walkbook.core.DoorInput
import org.walkbook.core.DoorStateKind
import org.walkbook.core.SyncState
import org.walkbook.core.UnitKind
import org.walkbook.core.Walkbook
import org.walkbook.core.WalkbookListener

/** The door screen's Rust view model through the generated Kotlin. */
class DoorScreenTest {
    private class Changes : WalkbookListener {
        val units = CopyOnWriteArrayList<String>()
        override fun onResultsChanged(unitId: String) { units.add(unitId) }
        override fun onSyncState(state: SyncState) {}
    }

    @Test fun per_person_results_double_taps_undo_and_whole_door_results() = runBlocking {
        val wb = Walkbook.open(TestServer.dataDir(), null)
        wb.join(TestServer.url, TestServer.invite("vol-02"))
        val changes = Changes()
        wb.setListener(changes)
        val turf = wb.assignments().first { it.kind == UnitKind.TURF && !it.litDrop }
        val doors = wb.walkList(turf.unitId, null)
        val family = doors.first { it.people.size >= 2 }
        val screen = wb.openDoor(turf.id, family.householdId)

        var v = screen.view()
        assertEquals(family.address, v.address)
        assertTrue(!v.personChosen && v.question == null)
        assertTrue(v.doorCodes.any { it.id == "not_home" })
        assertTrue(v.doorCodes.none { it.id == "refused" }, "refused is for a person, not a door")

        // The first person answers: script, answer, save; a second tap records nothing.
        val first = family.people[0].id
        v = screen.send(DoorInput.ChoosePerson(first))
        val q = assertNotNull(v.question)
        v = screen.send(DoorInput.Answer(q.id, q.options.first().id))
        assertTrue(v.canSaveConversation)
        v = screen.send(DoorInput.SaveConversation)
        assertEquals("Saved ✓ (conversation)", v.saved)
        screen.send(DoorInput.SaveConversation)
        assertEquals(1uL, wb.pendingUploadCount(), "a double tap records once")
        assertEquals(listOf(turf.unitId), changes.units.toList(), "the badge hears about the save")

        // Undo: the next save corrects the first instead of adding to it.
        v = screen.send(DoorInput.Undo)
        assertTrue(v.correcting)
        v = screen.send(DoorInput.Answer(q.id, q.options.last().id))
        v = screen.send(DoorInput.SaveConversation)
        assertTrue(!v.correcting && v.saved != null)
        assertEquals(2uL, wb.pendingUploadCount())

        // The second person refuses, for themselves only.
        val second = family.people[1].id
        screen.send(DoorInput.ChoosePerson(second))
        v = screen.send(DoorInput.Record("refused", false))
        assertNull(v.message)
        assertEquals("contacted", v.people.first { it.id == first }.status)
        assertEquals("refused", v.people.first { it.id == second }.status)

        // Nobody home at the next door: one tap, and on to the next.
        val next = wb.openDoor(turf.id, doors.first { it.householdId != family.householdId }.householdId)
        // Location fixes from the phone: a good one is kept for the save, an impossible one refused in words.
        assertNull(next.send(DoorInput.Location(39.7817, -89.6501, 8.0)).message)
        assertTrue(next.send(DoorInput.Location(123.0, 0.0, 5.0)).message!!.contains("impossible location"))
        v = next.send(DoorInput.Record("come_back", true))
        assertEquals("choose when to come back first", v.message)
        v = next.send(DoorInput.Record("not_home", true))
        assertTrue(v.done)
        assertEquals(4uL, wb.pendingUploadCount())

        // Come back at a chosen time, for the whole door; then a door skipped records nothing.
        val others = doors.filter { it.householdId != family.householdId }
        val later = wb.openDoor(turf.id, others[1].householdId)
        val choices = later.view().comeBackChoices
        assertEquals(4, choices.size, "in 1, 2, 4 hours, tomorrow")
        assertTrue(choices[2].label.startsWith("In 4 hours ("), choices[2].label)
        val at = choices[2].atMs
        assertEquals(at, later.send(DoorInput.ComeBackAt(at)).comeBackAtMs)
        assertTrue(later.send(DoorInput.Record("come_back", true)).done)
        assertEquals(5uL, wb.pendingUploadCount())
        assertTrue(wb.openDoor(turf.id, others[2].householdId).send(DoorInput.Skip).done)
        assertEquals(5uL, wb.pendingUploadCount(), "a skipped door records nothing")
        // The door waits until then (the turf screen moves on past it).
        assertEquals(DoorStateKind.WAITING_UNTIL, wb.walkList(turf.unitId, null).first { it.householdId == others[1].householdId }.state)
        assertEquals(0u, wb.syncNow().refused)
    }
}
