package org.walkbook.app

import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertNull
import kotlin.test.assertTrue
import kotlinx.coroutines.runBlocking
import org.walkbook.core.AttemptInput
import org.walkbook.core.NewPersonInput
import org.walkbook.core.NewPersonReason
import org.walkbook.core.StatusKind
import org.walkbook.core.UnitKind
import org.walkbook.core.Walkbook
import org.walkbook.core.WalkbookException

/** New people at the door through the generated Kotlin, the real library and server. */
class NewPeopleTest {
    private fun met(householdId: String, person: NewPersonInput, answers: Map<String, String>) =
        AttemptInput(null, householdId, null, answers, "", null, null, null, null, null, newPerson = person)

    @Test fun a_canvasser_records_someone_not_on_the_list_and_it_syncs_as_a_proposal() = runBlocking {
        val wb = Walkbook.open(TestServer.dataDir(), null)
        wb.join(TestServer.url, TestServer.invite("vol-03"))
        val turf = wb.assignments().first { it.kind == UnitKind.TURF && !it.litDrop }
        val door = wb.walkList(turf.unitId, null).first()
        val saved = wb.recordAttempt(
            turf.id,
            met(door.householdId, NewPersonInput("Rosa", "Quintero", 1984u.toUShort(), "es", NewPersonReason.WALK_UP), mapOf("support" to "1")),
        )
        assertNull(saved.personId)
        assertEquals("1", saved.answers["support"])
        // The listed residents are untouched; the door counts one knock.
        val after = wb.walkList(turf.unitId, null).first { it.householdId == door.householdId }
        assertEquals(1u, after.knocks)
        assertTrue(after.people.all { it.status.kind == StatusKind.NOT_ATTEMPTED })
        // Bad names are refused on the phone with what to fix.
        val e = assertFailsWith<WalkbookException.InvalidInput> {
            wb.recordAttempt(turf.id, met(door.householdId, NewPersonInput("", "Quintero", null, "es", NewPersonReason.MOVED_IN), emptyMap()))
        }
        assertTrue(e.message!!.contains("first name is empty"), e.message)
        // It uploads like any result: the server accepted it.
        assertEquals(1uL, wb.pendingUploadCount())
        assertEquals(0u, wb.syncNow().refused)
        assertEquals(0uL, wb.pendingUploadCount())
    }
}
